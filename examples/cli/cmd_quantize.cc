#include <algorithm>
#include <cstdio>
#include <iterator>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit quantize --in (HF_DIR | FILE.gguf) --out FILE.gguf --type TYPE [--threads N]\n"
    "  TYPE: f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k. Writes a GGUF file llama.cpp loads (its keys,\n"
    "  tensor names and block layouts). For 4- and 5-bit types the token embedding stays Q8_0.\n";

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
  static const char* const kTypes[] = {"", "f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k"};
  const std::string type = args.Get("type");
  auto it = std::find(std::begin(kTypes) + 1, std::end(kTypes), type);
  if (it == std::end(kTypes)) return UsageError("unknown --type " + type, kUsage);
  gemmakit_model_params mp;
  gemmakit_model_params_init(&mp, sizeof mp);
  mp.weight_type = static_cast<int32_t>(it - std::begin(kTypes));
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
