// One conversation with a model: the tokens evaluated so far and their KV cache, the sampler's
// random state, and the thread pool that runs it. A session is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gemmakit/chat.h"
#include "gemmakit/model.h"
#include "gemmakit/sampling.h"

namespace gemmakit {

struct SessionOptions {
  int n_threads = 0;           // 0: one per core
  int64_t context_length = 0;  // 0: the model's; larger values are clamped to it
  int64_t batch_size = 256;    // prompt tokens evaluated per forward pass
};

enum class StopReason : int32_t {
  kEndOfTurn = 0,   // the model produced <eos> or <end_of_turn>
  kMaxTokens = 1,
  kStopString = 2,  // a caller-given stop string appeared (it is not part of the text)
  kCallback = 3,    // the caller's callback asked to stop
  kContextFull = 4,
};

struct GenerateOptions {
  int32_t max_tokens = 256;
  std::vector<std::string> stop;  // stop strings
  SamplingParams sampling;
  // Called with each piece of text as it becomes final; return false to stop.
  std::function<bool(std::string_view text)> on_text;
};

struct GenerateResult {
  std::string text;
  std::vector<int32_t> tokens;  // generated, the stop token excluded
  StopReason stop_reason = StopReason::kMaxTokens;
  int64_t n_prompt_tokens = 0;  // evaluated for this call (a reused prefix does not count)
  double prompt_seconds = 0;
  double first_token_seconds = 0;  // from the call until the first token was sampled
  double decode_seconds = 0;
  int64_t n_decoded = 0;          // forward passes of one token
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model, const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Forgets every token; keeps allocated memory.
  void Reset();
  // Evaluates ids after the session's tokens. With all_logits, logits of every id are kept,
  // else of the last one. Throws Error(kInvalidArgument) for an id outside the vocabulary and
  // Error(kContextFull) when they do not fit; the session is unchanged when it throws.
  void Evaluate(const std::vector<int32_t>& ids, bool all_logits = false);
  // Drops tokens after the first n (n <= n_past()).
  void Truncate(int64_t n);

  int64_t n_past() const;
  int64_t context_length() const;
  const std::vector<int32_t>& tokens() const;
  // Logits of the last Evaluate: logits_rows() rows of vocab_size floats.
  const float* logits(size_t row = 0) const;
  size_t logits_rows() const;

  // Samples from the last logits row and records the token for the repetition penalty.
  int32_t Sample(const SamplingParams& params);
  void SeedSampler(uint64_t seed);

  // Continues the session with raw text (prefixed by <bos> when the session is empty) and
  // generates.
  GenerateResult Generate(std::string_view prompt, const GenerateOptions& options);
  // Renders the whole conversation with Gemma's chat template and generates the model's reply.
  // Tokens the session already holds that match the rendering are reused, so a multi-turn chat
  // evaluates only the new turn.
  GenerateResult Chat(const std::vector<ChatMessage>& conversation, const GenerateOptions& options);

  const Model& model() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gemmakit
