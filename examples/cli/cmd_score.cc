#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands.h"
#include "common.h"

namespace cli {
namespace {

const char kUsage[] =
    "usage: gemmakit score --model DIR --prompt TEXT --continuation TEXT [--continuation TEXT]...\n"
    "       [--next-token ID]... [--threads N] [--precision exact|fast]\n"
    "  Log-probabilities of given text after a prompt. The prompt is tokenized with <bos> and its\n"
    "  special pieces parsed; each continuation on its own, without <bos>. Prints one line per\n"
    "  continuation, 'SUM_LOGPROB<TAB>N_TOKENS<TAB>GREEDY(0|1)<TAB>TEXT', then one per --next-token,\n"
    "  'next<TAB>ID<TAB>LOGPROB' (the candidate right after the prompt).\n";

// Ids of text; false with the library's message printed when tokenizing fails.
bool Tokenize(const gemmakit_model* model, const std::string& text, int32_t flags, std::vector<int32_t>& ids) {
  size_t n = 0;
  const gemmakit_status probe = gemmakit_tokenize(model, text.data(), text.size(), flags, nullptr, 0, &n);
  if (probe != GEMMAKIT_OK && probe != GEMMAKIT_ERR_BUFFER_TOO_SMALL) return LibraryError("cannot tokenize"), false;
  ids.resize(n);
  if (gemmakit_tokenize(model, text.data(), text.size(), flags, ids.data(), ids.size(), &n) != GEMMAKIT_OK) {
    return LibraryError("cannot tokenize"), false;
  }
  return true;
}

}  // namespace

int RunScore(int argc, char** argv) {
  Args args;
  std::string error;
  if (!args.Parse(argc, argv, 2, {"model", "prompt", "continuation", "next-token", "threads", "precision"}, {"help"},
                  error)) {
    return UsageError(error, kUsage);
  }
  if (args.Has("help")) return std::fputs(kUsage, stdout), 0;
  if (!args.Has("prompt")) return UsageError("--prompt is required", kUsage);
  if (!args.Has("continuation") && !args.Has("next-token")) {
    return UsageError("--continuation or --next-token is required", kUsage);
  }
  long long threads = 0;
  if (!args.GetInt("threads", 0, threads, error)) return UsageError(error, kUsage);
  std::vector<int32_t> next;
  for (const std::string& s : args.GetAll("next-token")) {
    char* end = nullptr;
    const long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v < 0 || v > INT32_MAX) return UsageError("--next-token: '" + s + "' is not a token id", kUsage);
    next.push_back(static_cast<int32_t>(v));
  }

  gemmakit_model* model = nullptr;
  gemmakit_session* session = nullptr;
  if (int rc = OpenSession(args, threads, 0, &model, &session)) return rc;
  int rc = 0;
  const std::vector<std::string> texts = args.GetAll("continuation");
  std::vector<int32_t> prompt;
  std::vector<std::vector<int32_t>> conts(texts.size());
  bool ok = Tokenize(model, args.Get("prompt"), GEMMAKIT_TOKENIZE_ADD_BOS | GEMMAKIT_TOKENIZE_PARSE_SPECIAL, prompt);
  for (size_t i = 0; ok && i < texts.size(); ++i) ok = Tokenize(model, texts[i], 0, conts[i]);
  if (!ok) {
    rc = 1;
  } else {
    std::vector<const int32_t*> ptrs;
    std::vector<size_t> lengths;
    size_t total = 0;
    for (const auto& c : conts) {
      ptrs.push_back(c.data());
      lengths.push_back(c.size());
      total += c.size();
    }
    std::vector<double> sums(conts.size()), tokens(total), next_lp(next.size());
    std::vector<int32_t> greedy(conts.size());
    gemmakit_score_params p;
    gemmakit_score_params_init(&p, sizeof p);
    p.continuations = ptrs.data();
    p.continuation_lengths = lengths.data();
    p.n_continuations = conts.size();
    p.next_tokens = next.data();
    p.n_next_tokens = next.size();
    p.logprob_sums = sums.data();
    p.token_logprobs = tokens.data();
    p.is_greedy = greedy.data();
    p.next_token_logprobs = next_lp.data();
    if (gemmakit_session_score(session, prompt.data(), prompt.size(), &p) != GEMMAKIT_OK) {
      rc = LibraryError("scoring failed");
    } else {
      for (size_t i = 0; i < conts.size(); ++i) {
        std::printf("%.6f\t%zu\t%d\t%s\n", sums[i], conts[i].size(), greedy[i], texts[i].c_str());
      }
      for (size_t i = 0; i < next.size(); ++i) std::printf("next\t%d\t%.6f\n", next[i], next_lp[i]);
    }
  }
  gemmakit_session_free(session);
  gemmakit_model_free(model);
  return rc;
}

}  // namespace cli
