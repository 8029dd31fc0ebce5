#include <cstdio>
#include <string>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit info --model DIR [--context N] [--batch N] [--slice SLICE.json]\n"
    "  Prints the model's architecture and sizes, every hyper-parameter as resolved (marked\n"
    "  \"(default)\" where the checkpoint left it out and the family's transformers config class\n"
    "  supplied it), the sampling generate and chat use without options (\"(checkpoint)\"\n"
    "  where generation_config.json or the GGUF file recommends it), and the KV cache a session holding N\n"
    "  positions takes (default: the model's context) for each KV type, with prompt\n"
    "  batches of --batch tokens (default 256; sliding-window rings keep window + batch - 1).\n"
    "  --ctx is the same as --context.\n";

// KV bytes of a session with default params but for the KV type and batch size.
int64_t KvBytes(gemmakit_model* model, int32_t kv_type, long long batch, long long n) {
  gemmakit_session_params p;
  gemmakit_session_params_init(&p, sizeof p);
  p.kv_type = kv_type;
  p.batch_size = batch;
  int64_t bytes = -1;
  return gemmakit_model_kv_bytes(model, &p, n, &bytes) == GEMMAKIT_OK ? bytes : -1;
}

// The sampling generate and chat use without options, "(checkpoint)" marking what the model recommends.
void PrintSampling(gemmakit_model* model, int32_t recommended) {
  gemmakit_sampling_params p;
  if (gemmakit_sampling_params_from_model(model, &p, sizeof p) != GEMMAKIT_OK) return;
  auto mark = [recommended](int32_t bit) { return (recommended & bit) ? " (checkpoint)" : ""; };
  std::printf(
      "sampling          temperature %g%s, top_k %d%s, top_p %g%s, min_p %g%s, repeat_penalty %g%s, "
      "repeat_last_n %d%s\n",
      p.temperature, mark(GEMMAKIT_SAMPLING_TEMPERATURE), p.top_k, mark(GEMMAKIT_SAMPLING_TOP_K), p.top_p,
      mark(GEMMAKIT_SAMPLING_TOP_P), p.min_p, mark(GEMMAKIT_SAMPLING_MIN_P), p.repeat_penalty,
      mark(GEMMAKIT_SAMPLING_REPEAT_PENALTY), p.repeat_last_n, mark(GEMMAKIT_SAMPLING_REPEAT_LAST_N));
}

}  // namespace

int RunInfo(int argc, char** argv) {
  Args args;
  std::string error;
  long long ctx = 0, batch = 256;
  if (!args.Parse(argc, argv, 2, {"model", "ctx", "context", "batch", "slice"}, {"help"}, error) ||
      !args.GetInt(args.Has("context") ? "context" : "ctx", 0, ctx, error) ||
      !args.GetInt("batch", 256, batch, error)) {
    return UsageError(error, kUsage);
  }
  if (ctx < 0 || batch < 1) return UsageError("--context must be >= 0 and --batch >= 1", kUsage);
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
    std::printf("weight bytes      %lld (read per decoded token)\n", static_cast<long long>(info.weight_bytes));
    if (info.lookup_bytes > 0) {
      std::printf("lookup tables     %lld (mapped; a row per token is read)\n", static_cast<long long>(info.lookup_bytes));
    }
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
    PrintSampling(model, info.recommended_sampling);
    int32_t media_id = 0, media_tokens = 0, image_size = 0;
    double window = 0;
    if (gemmakit_model_image_info(model, &media_id, &media_tokens, &image_size) == GEMMAKIT_OK) {
      std::printf("images            %dx%d pixels -> %d soft tokens (image_token_id %d)\n", image_size, image_size,
                  media_tokens, media_id);
    }
    if (gemmakit_model_audio_info(model, &media_id, &media_tokens, &window) == GEMMAKIT_OK) {
      std::printf("audio             %.1f s per window -> %d soft tokens (audio_token_id %d)\n", window, media_tokens,
                  media_id);
    }
    size_t needed = 0;
    gemmakit_model_resolved_config(model, nullptr, 0, &needed);
    std::string resolved(needed, '\0');
    if (gemmakit_model_resolved_config(model, resolved.data(), resolved.size(), &needed) == GEMMAKIT_OK) {
      std::printf("resolved config:\n");
      for (size_t begin = 0, end; (end = resolved.find('\n', begin)) != std::string::npos; begin = end + 1) {
        std::printf("  %s\n", resolved.substr(begin, end - begin).c_str());
      }
    }
    const long long n = ctx > 0 ? ctx : static_cast<long long>(info.context_length);
    std::printf("KV cache at %lld  %.1f MiB\n", n, static_cast<double>(kv) / (1 << 20));
    static const char* const kTypes[] = {"f32", "bf16", "f16", "q8_0"};
    for (int32_t t = 0; t < 4; ++t) {
      const int64_t bytes = KvBytes(model, t, batch, n);
      if (bytes < 0) {
        rc = LibraryError("info failed");
        break;
      }
      std::printf("KV %-5s at %lld  %lld bytes (%.1f MiB)\n", kTypes[t], n, static_cast<long long>(bytes),
                  static_cast<double>(bytes) / (1 << 20));
    }
  }
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
