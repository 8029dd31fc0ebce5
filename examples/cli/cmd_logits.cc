#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <vector>

#include "commands.h"
#include "common.h"
#include "media_input.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit logits --model DIR --tokens ID,ID,... [--image FILE]... [--audio FILE]...\n"
    "       [--mmproj FILE.gguf]\n"
    "       [--out FILE] [--threads N] [--precision exact|fast] [--lora DIR[:SCALE]]... [--lora-merge DIR[:SCALE]]...\n"
    "  Evaluates the ids exactly as given (no <bos> added) and writes the float32 little-endian\n"
    "  logits of every position, row-major [n_tokens, vocab], to FILE; without --out, prints the\n"
    "  top 5 ids of the last position. With --image (multimodal Gemma 3, Gemma 3n), every id equal to the\n"
    "  model's image token takes the next soft token of the images in order; with --audio (Gemma 3n),\n"
    "  every id equal to the audio token (gemmakit info: audio_token_id) those of the clips.\n"
    "  --lora applies a PEFT LoRA adapter folder at SCALE (default 1) beside the weights; --lora-merge\n"
    "  folds one into the weights at load.\n";

bool ParseIds(const std::string& s, std::vector<int32_t>& ids, std::string& error) {
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t comma = std::min(s.find(',', pos), s.size());
    const std::string item = s.substr(pos, comma - pos);
    char* end = nullptr;
    errno = 0;
    const long long v = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || errno != 0 || v < INT32_MIN || v > INT32_MAX) {
      error = "--tokens: '" + item + "' is not a token id";
      return false;
    }
    ids.push_back(static_cast<int32_t>(v));
    pos = comma + 1;
  }
  return true;
}

}  // namespace

int RunLogits(int argc, char** argv) {
  Args args;
  std::string error;
  if (!args.Parse(argc, argv, 2, {"model", "tokens", "out", "threads", "image", "audio", "mmproj", "precision", "slice", "lora", "lora-merge"}, {"help"}, error)) return UsageError(error, kUsage);
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  std::vector<int32_t> ids;
  long long threads = 0;
  if (!args.Has("tokens")) return UsageError("--tokens is required", kUsage);
  if (!ParseIds(args.Get("tokens"), ids, error) || !args.GetInt("threads", 0, threads, error)) return UsageError(error, kUsage);

  gemmakit_model* model = nullptr;
  gemmakit_session* session = nullptr;
  CliMedia media;
  if (!media.Load(args)) return 1;
  if (int rc = OpenSession(args, threads, 0, &model, &session)) return rc;
  int rc = 0;
  const float* logits = nullptr;
  size_t rows = 0, vocab = 0;
  const gemmakit_status eval =
      !media.empty()
          ? gemmakit_session_eval_content(session, ids.data(), ids.size(), media.parts().data(), media.parts().size(),
                                          GEMMAKIT_LOGITS_ALL)
          : gemmakit_session_eval(session, ids.data(), ids.size(), GEMMAKIT_LOGITS_ALL);
  if (eval != GEMMAKIT_OK ||
             gemmakit_session_logits(session, &logits, &rows, &vocab) != GEMMAKIT_OK) {
    rc = LibraryError("evaluation failed");
  } else if (args.Has("out")) {
    const std::string path = args.Get("out");
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(logits, sizeof(float), rows * vocab, f) != rows * vocab) {
      std::fprintf(stderr, "gemmakit: cannot write %s\n", path.c_str());
      rc = 1;
    }
    if (f && std::fclose(f) != 0) rc = 1;
  } else {
    const float* last = logits + (rows - 1) * vocab;
    std::vector<int32_t> order(vocab);
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(5, vocab);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](int32_t a, int32_t b) { return last[a] > last[b]; });
    for (size_t i = 0; i < k; ++i) std::printf("%d\t%.6f\n", order[i], last[order[i]]);
  }
  gemmakit_session_free(session);
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
