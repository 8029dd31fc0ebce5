// One conversation with a model: the tokens evaluated so far and their KV cache, the sampler's
// random state, and the thread pool that runs it. A session is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gemmakit/adapter.h"
#include "gemmakit/chat.h"
#include "gemmakit/image.h"
#include "gemmakit/media.h"
#include "gemmakit/model.h"
#include "gemmakit/sampling.h"

namespace gemmakit {

// Element type of the KV cache. Each halves (bf16, f16) or quarters (q8_0: 8-bit values, an f16
// scale per 32) the cache of f32; the logits' drift each causes is measured in
// tests/unit/kv_cache_test.cc.
enum class KvType : int32_t { kF32 = 0, kBF16 = 1, kF16 = 2, kQ8_0 = 3 };

// What Chat does when the conversation and the reply (max_tokens) do not fit the context.
enum class ContextFullPolicy : int32_t {
  kStop = 0,             // fail with Error(kContextFull), or stop generating with StopReason::kContextFull
  kDropOldestTurns = 1,  // drop the oldest turns (the system prompt stays) and evaluate what is left
};

struct SessionOptions {
  int n_threads = 0;           // 0: one per core
  int64_t context_length = 0;  // 0: the model's; larger values are clamped to it
  int64_t batch_size = 256;    // prompt tokens evaluated per forward pass
  KvType kv_type = KvType::kF32;
  ContextFullPolicy context_full = ContextFullPolicy::kStop;
  // Polled on the calling thread between forward passes and between generated tokens; returning
  // true cancels the call (Error(kCancelled)).
  std::function<bool()> should_abort;
};

// Bytes of KV cache a session with these options holds once it has evaluated n_positions tokens:
// sliding-window layers stop growing at window + batch_size - 1 positions, global layers grow
// with the conversation (in pages of 16 positions).
int64_t KvCacheBytes(const Model& model, int64_t n_positions, const SessionOptions& options = {});

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
  int64_t n_dropped_messages = 0; // oldest messages Chat left out to fit (ContextFullPolicy)
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
  // The same with media (images for multimodal Gemma 3, audio for Gemma 3n): every run of a kind's
  // placeholder id (ModelInfo::image_token_id, audio_token_id) takes the soft tokens of the next
  // items of that kind in order (an image's pan-and-scan crops and a long clip's windows count as
  // items of their own, as the processor writes them). Gemma 3's image tokens attend to each
  // other both ways; everything else is causal. Throws Error(kUnsupported) for a model without
  // that kind of encoder, Error(kInvalidArgument) when the ids' places and the items disagree;
  // the session is unchanged when it throws before evaluating.
  void Evaluate(const std::vector<int32_t>& ids, const std::vector<Media>& media, bool all_logits = false);
  void Evaluate(const std::vector<int32_t>& ids, const std::vector<RgbImage>& images, bool all_logits = false);
  // Drops tokens after the first n (n <= n_past()). When sliding-window rings have already
  // overwritten keys position n needs, the tokens before n are evaluated again (see session.cc).
  void Truncate(int64_t n);

  // Makes the running call on this session, or the next one when none runs, stop at its next
  // check (between forward passes and tokens) with Error(kCancelled). Any thread may call it.
  // A cancelled call keeps the tokens it finished evaluating (n_past() says how many) and the
  // session stays usable.
  void Cancel();
  // An independent copy: tokens, KV cache, logits, sampler state. Pays for a shared prefix once.
  std::unique_ptr<Session> Fork() const;

  // Batched decoding: advances every session by one token (tokens[i] for sessions[i]) in a single
  // forward pass, so the weights are read once per step for all of them. Afterwards each
  // session's logits are its token's, as after Evaluate({token}); sample from each as usual.
  // The sessions must be distinct and share one model; the pass runs on the first session's
  // threads. Throws like Evaluate (invalid id, context full, cancelled) before changing any session.
  static void DecodeBatch(const std::vector<Session*>& sessions, const std::vector<int32_t>& tokens);

  // The session (tokens, KV cache, last logits, RNG state, context, batch size and KV type) as a
  // versioned, checksummed blob tied to this model. SaveState writes it into buf when capacity
  // suffices and returns its size either way.
  size_t SaveState(void* buf, size_t capacity) const;
  std::vector<uint8_t> SaveState() const;
  // Replaces this session's state with a saved one (kFormatError for a corrupt or truncated blob,
  // one of another model, or one saved with other LoRA adapters or scales active than this
  // session's: SetAdapters first; the session is unchanged then). Thread count and callbacks stay.
  void LoadState(const void* data, size_t size);
  void SaveStateFile(const std::string& path) const;
  void LoadStateFile(const std::string& path);
  // Bytes the KV cache holds now.
  size_t kv_cache_bytes() const;

  int64_t n_past() const;
  int64_t context_length() const;
  const std::vector<int32_t>& tokens() const;
  // Logits of the last Evaluate: logits_rows() rows of vocab_size floats.
  const float* logits(size_t row = 0) const;
  size_t logits_rows() const;

  // The LoRA adapters (gemmakit/adapter.h) every later forward pass applies, with their scales;
  // an empty list runs the base model. The adapters must be this session's model's. Keys and
  // values already cached were computed with the previous set, so a change forgets the session's
  // tokens (as Reset does; a chat re-evaluates its conversation on the next turn); the same set
  // again keeps them. Throws Error(kInvalidArgument) for another model's adapter or a scale that
  // is not finite; the session is unchanged then.
  void SetAdapters(const std::vector<ActiveAdapter>& adapters);
  const std::vector<ActiveAdapter>& adapters() const;

  // Samples from the last logits row (after params' logit bias and grammar, whose state follows
  // the token drawn). Throws Error(kInvalidArgument) for a grammar or schema that does not parse.
  int32_t Sample(const SamplingParams& params);
  // Reseeds the RNG and starts a grammar over from its beginning.
  void SeedSampler(uint64_t seed);

  // Continues the session with raw text (prefixed by <bos> when the session is empty) and
  // generates.
  GenerateResult Generate(std::string_view prompt, const GenerateOptions& options);
  // The same with media: each "<start_of_image>" / "<start_of_audio>" in the prompt stands for the
  // next item of that kind (there must be one per item) and becomes its tokens as Gemma 3's and
  // Gemma 3n's processors write them.
  GenerateResult Generate(std::string_view prompt, const std::vector<Media>& media, const GenerateOptions& options);
  GenerateResult Generate(std::string_view prompt, const std::vector<RgbImage>& images, const GenerateOptions& options);
  // Renders the whole conversation with Gemma's chat template and generates the model's reply.
  // Tokens the session already holds that match the rendering are reused, so a multi-turn chat
  // evaluates only the new turn.
  // Media parts (ChatPart::Image(pixels), ChatPart::Audio(clip)) are encoded once: an item already
  // in the session's KV cache is reused by later turns, matched by its content.
  GenerateResult Chat(const std::vector<ChatMessage>& conversation, const GenerateOptions& options);

  const Model& model() const;

 private:
  friend class GenerationStepper;
  Session();
  // What a generation evaluates before it samples: the rendered prompt minus the prefix the session
  // already holds (which a chat turn truncates to), its media encoded and placed at the positions
  // their soft tokens will take. Nothing is evaluated yet; DropPendingMedia undoes the placing.
  struct PreparedPrompt {
    std::vector<int32_t> ids;
    int64_t n_dropped_messages = 0;
  };
  PreparedPrompt PrepareGenerate(std::string_view prompt, const std::vector<Media>& media);
  PreparedPrompt PrepareChat(const std::vector<ChatMessage>& conversation, const GenerateOptions& options);
  // How many of the next n prepared ids one evaluation may take without splitting a media item.
  size_t WholeMediaLength(size_t n) const;
  void DropPendingMedia();
  // Checks params and compiles their grammar (kept for the draws that follow).
  void PrepareSampling(const SamplingParams& params);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gemmakit
