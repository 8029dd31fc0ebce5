#include <cstdio>
#include <vector>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit tokenize --model DIR --text TEXT [--no-bos] [--parse-special]\n"
    "  Prints the ids comma-separated, <bos> first as generation feeds them.\n";

}  // namespace

int RunTokenize(int argc, char** argv) {
  Args args;
  std::string error;
  if (!args.Parse(argc, argv, 2, {"model", "text"}, {"no-bos", "parse-special", "help"}, error)) return UsageError(error, kUsage);
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  if (!args.Has("text")) return UsageError("--text is required", kUsage);
  gemmakit_model* model = nullptr;
  if (int rc = LoadModel(args, &model)) return rc;
  const std::string text = args.Get("text");
  int32_t flags = (args.Has("no-bos") ? 0 : GEMMAKIT_TOKENIZE_ADD_BOS) |
                  (args.Has("parse-special") ? GEMMAKIT_TOKENIZE_PARSE_SPECIAL : 0);
  size_t n = 0;
  std::vector<int32_t> ids(text.size() + 8);
  int rc = 0;
  if (gemmakit_tokenize(model, text.data(), text.size(), flags, ids.data(), ids.size(), &n) != GEMMAKIT_OK) {
    rc = LibraryError("tokenize failed");
  } else {
    for (size_t i = 0; i < n; ++i) std::printf(i ? ",%d" : "%d", ids[i]);
    std::printf("\n");
  }
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
