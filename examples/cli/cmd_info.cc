#include <cstdio>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] = "usage: gemmakit info --model DIR [--ctx N]\n"
                      "  Prints the model's architecture and sizes, and the KV cache N positions take.\n";

}  // namespace

int RunInfo(int argc, char** argv) {
  Args args;
  std::string error;
  long long ctx = 0;
  if (!args.Parse(argc, argv, 2, {"model", "ctx"}, {"help"}, error) || !args.GetInt("ctx", 0, ctx, error)) {
    return UsageError(error, kUsage);
  }
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  gemmakit_model* model = nullptr;
  if (int rc = LoadModel(args, &model)) return rc;
  gemmakit_model_info info;
  info.struct_size = sizeof info;
  int64_t kv = 0;
  int rc = 0;
  if (gemmakit_model_get_info(model, &info) != GEMMAKIT_OK ||
      gemmakit_model_kv_cache_bytes(model, ctx > 0 ? ctx : info.context_length, &kv) != GEMMAKIT_OK) {
    rc = LibraryError("info failed");
  } else {
    std::printf("architecture      %s\n", info.architecture);
    std::printf("format            %s\n", info.format);
    std::printf("tokenizer         %s\n", info.tokenizer_source[0] ? info.tokenizer_source : "(none)");
    std::printf("chat template     %s\n", info.chat_template);
    std::printf("weight type       %s\n", info.weight_type);
    std::printf("parameters        %lld\n", static_cast<long long>(info.n_params));
    std::printf("weight bytes      %lld\n", static_cast<long long>(info.weight_bytes));
    std::printf("vocab size        %lld\n", static_cast<long long>(info.vocab_size));
    std::printf("context length    %lld\n", static_cast<long long>(info.context_length));
    std::printf("layers            %lld (%lld sliding, window %lld)\n", static_cast<long long>(info.n_layers),
                static_cast<long long>(info.n_sliding_layers), static_cast<long long>(info.sliding_window));
    std::printf("hidden size       %lld\n", static_cast<long long>(info.hidden_size));
    std::printf("intermediate size %lld\n", static_cast<long long>(info.intermediate_size));
    std::printf("heads             %lld (kv %lld, head dim %lld)\n", static_cast<long long>(info.n_heads),
                static_cast<long long>(info.n_kv_heads), static_cast<long long>(info.head_dim));
    std::printf("special ids       bos %d, eos %d, start_of_turn %d, end_of_turn %d\n", info.bos_id, info.eos_id,
                info.start_of_turn_id, info.end_of_turn_id);
    std::printf("KV cache at %lld  %.1f MiB\n", ctx > 0 ? ctx : static_cast<long long>(info.context_length),
                static_cast<double>(kv) / (1 << 20));
  }
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
