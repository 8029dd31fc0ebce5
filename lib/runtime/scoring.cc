#include "gemmakit/scoring.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

void CheckIds(const std::vector<int32_t>& ids, int64_t vocab, const std::string& what) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab) {
      Fail(Status::kInvalidArgument, what + ": id " + std::to_string(ids[i]) + " at " + std::to_string(i) +
                                         " is outside the vocabulary of " + std::to_string(vocab));
    }
  }
}

// Scores one continuation in a fork of `after_prompt`: its first token from the prompt's last
// logits, each later one from the logits of the token before it.
ContinuationScore ScoreContinuation(const Session& after_prompt, const std::vector<int32_t>& continuation) {
  const size_t vocab = static_cast<size_t>(after_prompt.model().info().vocab_size);
  ContinuationScore out;
  auto add = [&](const float* row, int32_t id) {
    out.token_logprobs.push_back(LogSoftmaxAt(row, vocab, id));
    out.logprob_sum += out.token_logprobs.back();
    out.is_greedy = out.is_greedy && std::max_element(row, row + vocab) - row == id;
  };
  out.is_greedy = true;
  add(after_prompt.logits(after_prompt.logits_rows() - 1), continuation[0]);
  if (continuation.size() > 1) {
    std::unique_ptr<Session> fork = after_prompt.Fork();
    fork->Evaluate(std::vector<int32_t>(continuation.begin(), continuation.end() - 1), /*all_logits=*/true);
    for (size_t i = 1; i < continuation.size(); ++i) add(fork->logits(i - 1), continuation[i]);
  }
  return out;
}

}  // namespace

double LogSoftmaxAt(const float* logits, size_t n, int32_t id) {
  const double max = *std::max_element(logits, logits + n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(logits[i]) - max);
  return static_cast<double>(logits[id]) - max - std::log(sum);
}

ScoreResult Score(Session& session, const std::vector<int32_t>& prompt,
                  const std::vector<std::vector<int32_t>>& continuations, const std::vector<int32_t>& next_tokens) {
  const int64_t vocab = session.model().info().vocab_size;
  if (prompt.empty()) Fail(Status::kInvalidArgument, "score: the prompt is empty (the first token needs one before it)");
  CheckIds(prompt, vocab, "score prompt");
  CheckIds(next_tokens, vocab, "score next tokens");
  size_t longest = 0;
  for (size_t i = 0; i < continuations.size(); ++i) {
    if (continuations[i].empty()) Fail(Status::kInvalidArgument, "score: continuation " + std::to_string(i) + " is empty");
    CheckIds(continuations[i], vocab, "score continuation " + std::to_string(i));
    longest = std::max(longest, continuations[i].size());
  }
  // The last token of a continuation is scored, never evaluated.
  const int64_t needed = session.n_past() + static_cast<int64_t>(prompt.size() + (longest > 0 ? longest - 1 : 0));
  if (needed > session.context_length()) {
    Fail(Status::kContextFull, "score: " + std::to_string(needed) + " positions needed, the context holds " +
                                   std::to_string(session.context_length()));
  }

  session.Evaluate(prompt);
  ScoreResult out;
  const float* last = session.logits(session.logits_rows() - 1);
  for (int32_t id : next_tokens) out.next_token_logprobs.push_back(LogSoftmaxAt(last, static_cast<size_t>(vocab), id));
  for (const auto& c : continuations) out.continuations.push_back(ScoreContinuation(session, c));
  return out;
}

}  // namespace gemmakit
