#include <cstdio>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit quantize --in (HF_DIR | FILE.gguf) --out FILE.gguf --type TYPE [--threads N]\n"
    "  TYPE: a llama-quantize preset: q4_k_m q5_k_m q6_k q3_k_m q2_k iq4_xs iq4_nl q4_1 q5_0 q5_1\n"
    "  q8_0 q4_0 bf16 f16 f32 (each matrix gets the type llama-quantize gives it), or a plain type\n"
    "  q4_k q5_k (all matrices, the token embedding Q8_0). Writes a GGUF file llama.cpp loads (its\n"
    "  keys, tensor names and block layouts).\n";

}  // namespace

int RunQuantize(int argc, char** argv) {
  Args args;
  std::string error;
  long long threads = 0;
  if (!args.Parse(argc, argv, 2, {"in", "out", "type", "threads"}, {"help"}, error) ||
      !args.GetInt("threads", 0, threads, error)) {
    return UsageError(error, kUsage);
  }
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  if (!args.Has("in") || !args.Has("out") || !args.Has("type")) return UsageError("--in, --out and --type are required", kUsage);
  const std::string type = args.Get("type");
  gemmakit_model_params mp;
  gemmakit_model_params_init(&mp, sizeof mp);
  if (!ParseWeightType(type, &mp.weight_type)) return UsageError("unknown --type " + type, kUsage);
  mp.n_threads = static_cast<int32_t>(threads);
  gemmakit_model* model = nullptr;
  if (gemmakit_model_load(args.Get("in").c_str(), &mp, &model) != GEMMAKIT_OK) return LibraryError("cannot load model");
  int rc = 0;
  if (gemmakit_model_save_gguf(model, args.Get("out").c_str()) != GEMMAKIT_OK) {
    rc = LibraryError("cannot write GGUF");
  } else {
    std::printf("wrote %s (%s)\n", args.Get("out").c_str(), type.c_str());
  }
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
