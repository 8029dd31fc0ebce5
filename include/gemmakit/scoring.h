// Log-probabilities of text a model did not generate: how likely given continuations are after a
// prompt (what evaluation harnesses rank answers by) and how likely single candidate tokens are
// right after it (what classifiers such as ShieldGemma read).
#pragma once

#include <cstdint>
#include <vector>

#include "gemmakit/session.h"

namespace gemmakit {

struct ContinuationScore {
  double logprob_sum = 0;              // sum of token_logprobs
  std::vector<double> token_logprobs;  // natural log-probability of each token given all before it
  bool is_greedy = false;              // every token is the most likely one at its position
};

struct ScoreResult {
  std::vector<ContinuationScore> continuations;
  std::vector<double> next_token_logprobs;  // one per candidate, from the prompt's last position
};

// Evaluates prompt (at least one id) after the session's tokens and scores the continuations and
// candidate next tokens after it. Afterwards the session is exactly as after
// Evaluate(prompt): it holds the prompt and the logits of its last id; each continuation is
// evaluated in a fork and leaves no trace. Log-probabilities are the log-softmax of the model's
// logits (after the final soft-cap), in double. Every id and the longest continuation are checked
// before anything is evaluated: Error(kInvalidArgument) for an id outside the vocabulary, an
// empty prompt or continuation, Error(kContextFull) when the prompt plus a continuation does not
// fit; the session is unchanged then.
ScoreResult Score(Session& session, const std::vector<int32_t>& prompt,
                  const std::vector<std::vector<int32_t>>& continuations, const std::vector<int32_t>& next_tokens);

// log softmax(logits)[id] over a row of n logits, in double.
double LogSoftmaxAt(const float* logits, size_t n, int32_t id);

}  // namespace gemmakit
