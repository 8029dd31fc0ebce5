#include "gemmakit/session.h"

#include <algorithm>
#include <atomic>
#include <random>

#include "gemmakit/generation_stepper.h"
#include "gemmakit/status.h"
#include "model/kv_cache.h"
#include "runtime/adapter_impl.h"
#include "runtime/model_identity.h"
#include "runtime/media_prompt.h"
#include "runtime/model_impl.h"
#include "runtime/sampling_constraints.h"
#include "runtime/session_media.h"
#include "runtime/session_state.h"
#include "runtime/stop_strings.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

int64_t ResolveContext(const ModelConfig& c, const SessionOptions& o) {
  if (o.context_length < 0) Fail(Status::kInvalidArgument, "context_length must be >= 0");
  if (o.batch_size < 1) Fail(Status::kInvalidArgument, "batch_size must be >= 1");
  if (o.n_threads < 0 || o.n_threads > 1024) Fail(Status::kInvalidArgument, "n_threads must be in [0, 1024]");
  return o.context_length == 0 ? c.context_length : std::min(o.context_length, c.context_length);
}

DType ToDType(KvType t) {
  switch (t) {
    case KvType::kF32: return DType::kF32;
    case KvType::kBF16: return DType::kBF16;
    case KvType::kF16: return DType::kF16;
    case KvType::kQ8_0: return DType::kQ8_0;
  }
  Fail(Status::kInvalidArgument, "unknown KV type " + std::to_string(static_cast<int32_t>(t)));
}

KvType ToKvType(DType t) {
  switch (t) {
    case DType::kBF16: return KvType::kBF16;
    case DType::kF16: return KvType::kF16;
    case DType::kQ8_0: return KvType::kQ8_0;
    default: return KvType::kF32;
  }
}

void CheckPolicy(ContextFullPolicy p) {
  if (p != ContextFullPolicy::kStop && p != ContextFullPolicy::kDropOldestTurns) {
    Fail(Status::kInvalidArgument, "unknown context-full policy " + std::to_string(static_cast<int32_t>(p)));
  }
}

bool IsModelRole(const std::string& role) { return role == "model" || role == "assistant"; }

// Drops the oldest message after the system prompt, and the model replies that would then open
// the conversation (it must start with a user turn). False when only the last message is left.
bool DropOldestTurn(std::vector<ChatMessage>& conv, int64_t& dropped) {
  const size_t first = !conv.empty() && conv[0].role == "system" ? 1 : 0;
  if (conv.size() <= first + 1) return false;
  conv.erase(conv.begin() + static_cast<std::ptrdiff_t>(first));
  ++dropped;
  while (conv.size() > first + 1 && IsModelRole(conv[first].role)) {
    conv.erase(conv.begin() + static_cast<std::ptrdiff_t>(first));
    ++dropped;
  }
  return true;
}

}  // namespace

struct Session::Impl {
  Impl(std::shared_ptr<const Model> mdl, const SessionOptions& o)
      : model(std::move(mdl)),
        m(model->impl()),
        options(o),
        context(ResolveContext(m.config, o)),
        pool(o.n_threads),
        cache(std::make_unique<KvCache>(m.config, context, o.batch_size, ToDType(o.kv_type))) {
    CheckPolicy(o.context_full);
  }
  // A fork: everything but the thread pool and a pending cancel is copied.
  Impl(const Impl& o)
      : model(o.model),
        m(o.m),
        options(o.options),
        context(o.context),
        pool(o.options.n_threads),
        cache(std::make_unique<KvCache>(*o.cache)),
        tokens(o.tokens),
        logits(o.logits),
        logits_rows(o.logits_rows),
        rng(o.rng),
        media(o.media),
        adapters(o.adapters),
        lora(o.lora) {}

  std::shared_ptr<const Model> model;
  const Model::Impl& m;
  SessionOptions options;
  int64_t context;
  ThreadPool pool;
  std::unique_ptr<KvCache> cache;
  std::vector<int32_t> tokens;
  std::vector<float> logits;
  size_t logits_rows = 0;
  Rng rng;
  SessionMedia media;  // soft tokens of the media among `tokens`
  SamplingConstraints constraints;  // logit bias and grammar; a fork starts without a grammar
  std::vector<ActiveAdapter> adapters;  // as the caller set them
  LoraSet lora;                         // the same, as forward passes apply them
  std::atomic<bool> cancel{false};

  // Consumes a pending Cancel() or asks the caller's abort callback.
  void CheckCancel() {
    if (cancel.exchange(false) || (options.should_abort && options.should_abort())) {
      Fail(Status::kCancelled, "cancelled with " + std::to_string(tokens.size()) + " tokens evaluated");
    }
  }

  void CheckIds(const std::vector<int32_t>& ids) const {
    if (ids.empty()) Fail(Status::kInvalidArgument, "no tokens to evaluate");
    for (size_t i = 0; i < ids.size(); ++i) {
      const int32_t id = ids[i];
      if ((id < 0 || id >= m.config.vocab_size) && !media.Covers(static_cast<int64_t>(tokens.size() + i))) {
        Fail(Status::kInvalidArgument, "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                           std::to_string(m.config.vocab_size) + ")");
      }
    }
    CheckFits(ids.size());
  }

  void CheckFits(size_t n_new) const {
    if (static_cast<int64_t>(tokens.size() + n_new) > context) {
      Fail(Status::kContextFull, "context full: " + std::to_string(tokens.size()) + " tokens held + " +
                                     std::to_string(n_new) + " new exceed the context of " + std::to_string(context));
    }
  }

  // A cancel between chunks keeps the chunks already evaluated, with their logits.
  void Evaluate(const std::vector<int32_t>& ids, bool all_logits) {
    CheckIds(ids);
    const size_t vocab = static_cast<size_t>(m.config.vocab_size);
    std::vector<float> all, chunk_logits;
    const size_t batch = static_cast<size_t>(options.batch_size);
    const size_t first_pos = tokens.size();
    auto keep_logits = [&] {
      logits.swap(all);
      logits_rows = logits.size() / vocab;
    };
    for (size_t off = 0; off < ids.size(); off = tokens.size() - first_pos) {
      try {
        CheckCancel();
      } catch (const Error&) {
        if (off > 0) keep_logits();
        throw;
      }
      ForwardRequest req;
      req.tokens = ids.data() + off;
      req.start_pos = static_cast<int64_t>(tokens.size());
      req.n = media.ChunkLength(req.start_pos, std::min(batch, ids.size() - off));
      req.all_logits = all_logits;
      req.lora = &lora;
      SessionMedia::Buffers media_buffers;
      media.Prepare(req.start_pos, req.n, req, media_buffers);
      m.decoder->Forward(req, *cache, chunk_logits, &pool);
      tokens.insert(tokens.end(), req.tokens, req.tokens + req.n);
      if (all_logits) {
        all.insert(all.end(), chunk_logits.begin(), chunk_logits.end());
      } else {
        all.swap(chunk_logits);
      }
    }
    keep_logits();
  }

  void Truncate(int64_t n) {
    if (n < 0 || n > static_cast<int64_t>(tokens.size())) Fail(Status::kInvalidArgument, "truncate beyond the session's tokens");
    tokens.resize(static_cast<size_t>(n));
    media.Truncate(n);
    logits.clear();
    logits_rows = 0;
    RebuildRings();
  }

  // After a truncation to n, the next query (position n) of a sliding layer reads keys
  // [n - window + 1, n). When a ring has overwritten some of them they are computed again. The
  // keys of layer l at a position depend on the sliding keys of the layers below within their
  // windows, so going back the sum of (window - 1) over the sliding layers, with nothing earlier
  // read, rebuilds them exactly; global layers hold every position and keep their keys.
  void RebuildRings() {
    const int64_t n = static_cast<int64_t>(tokens.size());
    bool intact = true;
    int64_t depth = 0;
    for (size_t l = 0; l < m.config.layers.size(); ++l) {
      const LayerConfig& lc = m.config.layers[l];
      if (!lc.sliding) continue;
      depth += lc.window - 1;
      const size_t s = static_cast<size_t>(lc.kv_store);
      if (cache->ring_size(s) && cache->held_begin(s) > std::max<int64_t>(0, n - lc.window + 1)) intact = false;
    }
    if (intact) return;
    const int64_t from = std::max<int64_t>(0, n - depth);
    std::vector<float> unused;
    for (int64_t off = from; off < n;) {
      ForwardRequest req;
      req.tokens = tokens.data() + off;
      req.n = media.ChunkLength(off, static_cast<size_t>(std::min(options.batch_size, n - off)));
      req.start_pos = off;
      SessionMedia::Buffers media_buffers;
      media.Prepare(off, req.n, req, media_buffers);
      off += static_cast<int64_t>(req.n);
      req.sliding_floor = from;
      req.keep_global_kv = true;
      req.lora = &lora;
      m.decoder->Forward(req, *cache, unused, &pool);
    }
    // From position 0 everything is exact; otherwise positions below n - window + 1 were
    // computed without their full history.
    for (size_t s = 0; s < cache->n_stores(); ++s) {
      const int64_t ring = cache->ring_size(s);
      if (ring == 0) continue;
      const int64_t exact = from == 0 ? 0 : n - m.config.store_layer(s).window + 1;
      cache->set_held_begin(s, std::max({int64_t{0}, exact, n - ring}));
    }
  }

  const float* LastLogits() const {
    if (logits_rows == 0) Fail(Status::kInvalidArgument, "no logits: evaluate tokens first");
    return logits.data() + (logits_rows - 1) * static_cast<size_t>(m.config.vocab_size);
  }

  void Seed(uint64_t seed) {
    if (seed == UINT64_MAX) seed = (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
    rng.Seed(seed);
  }

  // The model's encoder of `kind`, refused when one forward pass cannot hold an item.
  const MediaEncoder& Encoder(MediaKind kind) const {
    const MediaEncoder& e = m.Encoder(kind);
    if (static_cast<size_t>(options.batch_size) < e.tokens_per_item()) {
      Fail(Status::kInvalidArgument, "batch_size " + std::to_string(options.batch_size) + " is smaller than the " +
                                         std::to_string(e.tokens_per_item()) + " soft tokens of an " +
                                         MediaKindName(kind) + " item, which one forward pass must hold");
    }
    return e;
  }
  EncoderFor Encoders() const {
    return [this](MediaKind kind) -> const MediaEncoder& { return Encoder(kind); };
  }

  // Encodes the media whose soft tokens come at or after `skip` in `prompt` and places them at
  // the positions those tokens will take once prompt.ids[skip..] follow the session's tokens.
  void AddMedia(const MediaPrompt& prompt, size_t skip) {
    if (prompt.slots.empty()) return;
    if (static_cast<int64_t>(tokens.size() + prompt.ids.size() - skip) > context) {
      Fail(Status::kContextFull, "context full: " + std::to_string(tokens.size()) + " tokens held + " +
                                     std::to_string(prompt.ids.size() - skip) + " with the media exceed the context of " +
                                     std::to_string(context));
    }
    try {
      for (const MediaSlot& slot : prompt.slots) {
        if (slot.offset < skip) continue;
        CheckCancel();
        SessionMedia::Span span;
        span.begin = static_cast<int64_t>(tokens.size() + slot.offset - skip);
        span.end = span.begin + static_cast<int64_t>(slot.encoder->tokens_per_item());
        span.key = slot.key;
        span.bidirectional = slot.encoder->bidirectional();
        span.rows = slot.encoder->SoftTokens(slot.item, &pool);
        media.Add(std::move(span));
      }
    } catch (...) {
      media.Truncate(static_cast<int64_t>(tokens.size()));
      throw;
    }
  }

  // Run or Evaluate with media added: on failure the media of unevaluated positions go.
  template <typename Fn>
  auto WithMedia(const MediaPrompt& prompt, size_t skip, Fn&& fn) {
    AddMedia(prompt, skip);
    try {
      return fn();
    } catch (...) {
      media.Truncate(static_cast<int64_t>(tokens.size()));
      throw;
    }
  }

  MediaPrompt Tokenize(std::string_view text, const std::vector<Media>& items, bool parse_special) const {
    return TokenizeWithMedia(model->tokenizer(), text, items, parse_special, Encoders());
  }
};

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) Fail(Status::kInvalidArgument, "session needs a model");
  if (model->impl().config.bidirectional) {
    Fail(Status::kUnsupported, "this model attends both ways (use_bidirectional_attention: an encoder such as "
                               "EmbeddingGemma); it computes embeddings (gemmakit_embed), not text, and takes no session");
  }
  impl_ = std::make_unique<Impl>(std::move(model), options);
}

Session::Session() = default;
Session::~Session() = default;

void Session::Reset() { impl_->Truncate(0); }

void Session::SetAdapters(const std::vector<ActiveAdapter>& adapters) {
  LoraSet lora = ToLoraSet(*impl_->model, adapters);
  bool same = lora.size() == impl_->lora.size();
  for (size_t i = 0; same && i < lora.size(); ++i) {
    same = lora[i].weights == impl_->lora[i].weights && lora[i].scale == impl_->lora[i].scale;
  }
  if (same) return;
  impl_->Truncate(0);
  impl_->adapters = adapters;
  impl_->lora = std::move(lora);
}

const std::vector<ActiveAdapter>& Session::adapters() const { return impl_->adapters; }
void Session::Evaluate(const std::vector<int32_t>& ids, bool all_logits) { impl_->Evaluate(ids, all_logits); }
void Session::Truncate(int64_t n) { impl_->Truncate(n); }
int64_t Session::n_past() const { return static_cast<int64_t>(impl_->tokens.size()); }
int64_t Session::context_length() const { return impl_->context; }
const std::vector<int32_t>& Session::tokens() const { return impl_->tokens; }
size_t Session::logits_rows() const { return impl_->logits_rows; }
const Model& Session::model() const { return *impl_->model; }

const float* Session::logits(size_t row) const {
  if (row >= impl_->logits_rows) Fail(Status::kInvalidArgument, "no logits row " + std::to_string(row));
  return impl_->logits.data() + row * static_cast<size_t>(impl_->m.config.vocab_size);
}

void Session::SeedSampler(uint64_t seed) {
  impl_->Seed(seed);
  impl_->constraints.Restart();
}

void Session::PrepareSampling(const SamplingParams& params) {
  ValidateSamplingParams(params);
  impl_->constraints.Prepare(params, *impl_->model);
}

int32_t Session::Sample(const SamplingParams& params) {
  PrepareSampling(params);
  const auto vocab = static_cast<int32_t>(impl_->m.config.vocab_size);
  const float* logits = impl_->LastLogits();
  if (params.logit_bias.empty() && !HasConstraint(params)) {
    return SampleToken(logits, vocab, params, impl_->tokens, impl_->rng);
  }
  std::vector<float> adjusted(logits, logits + vocab);
  impl_->constraints.Apply(params, adjusted.data(), adjusted.size());
  const int32_t token = SampleToken(adjusted.data(), vocab, params, impl_->tokens, impl_->rng);
  impl_->constraints.Accept(params, token);
  return token;
}

GenerateResult Session::Generate(std::string_view prompt, const GenerateOptions& options) {
  return GenerationStepper::BeginGenerate(*this, prompt, options)->RunToEnd();
}

GenerateResult Session::Generate(std::string_view prompt, const std::vector<Media>& media,
                                 const GenerateOptions& options) {
  return GenerationStepper::BeginGenerate(*this, prompt, media, options)->RunToEnd();
}

GenerateResult Session::Generate(std::string_view prompt, const std::vector<RgbImage>& images,
                                 const GenerateOptions& options) {
  return GenerationStepper::BeginGenerate(*this, prompt, images, options)->RunToEnd();
}

Session::PreparedPrompt Session::PrepareGenerate(std::string_view prompt, const std::vector<Media>& media) {
  const Tokenizer& tok = impl_->model->tokenizer();
  MediaPrompt p = impl_->Tokenize(prompt, media, false);
  if (impl_->tokens.empty() && tok.special().bos >= 0) {
    p.ids.insert(p.ids.begin(), tok.special().bos);
    for (MediaSlot& slot : p.slots) ++slot.offset;
  }
  if (p.ids.empty() && impl_->logits_rows == 0) Fail(Status::kInvalidArgument, "empty prompt and nothing evaluated yet");
  impl_->CheckFits(p.ids.size());
  impl_->AddMedia(p, 0);
  return {std::move(p.ids), 0};
}

void Session::Evaluate(const std::vector<int32_t>& ids, const std::vector<Media>& media, bool all_logits) {
  if (media.empty()) return impl_->Evaluate(ids, all_logits);
  const MediaPrompt p = SlotsFromIds(ids, media, impl_->Encoders());
  impl_->WithMedia(p, 0, [&] { impl_->Evaluate(ids, all_logits); return 0; });
}

void Session::Evaluate(const std::vector<int32_t>& ids, const std::vector<RgbImage>& images, bool all_logits) {
  std::vector<Media> media;
  for (const RgbImage& img : images) media.push_back(Media::Image(img));
  Evaluate(ids, media, all_logits);
}

GenerateResult Session::Chat(const std::vector<ChatMessage>& conversation, const GenerateOptions& options) {
  return GenerationStepper::BeginChat(*this, conversation, options)->RunToEnd();
}

Session::PreparedPrompt Session::PrepareChat(const std::vector<ChatMessage>& conversation,
                                             const GenerateOptions& options) {
  if (conversation.empty()) Fail(Status::kInvalidArgument, "chat: the conversation is empty");
  // Special tokens written in the messages become special ids, as HuggingFace tokenizes the
  // rendered template (apply_chat_template, then the tokenizer with special tokens on); each media
  // part's marker becomes that item's tokens (runtime/media_prompt.h).
  MediaPrompt prompt;
  auto render = [&](const std::vector<ChatMessage>& conv) {
    std::vector<Media> items;
    for (const ChatMessage& m : conv) {
      for (const ChatPart& p : m.parts) {
        if (!p.is_media()) continue;
        // A model without that encoder refuses first (kUnsupported).
        impl_->Encoder(p.type == ChatPart::Type::kAudio ? MediaKind::kAudio : MediaKind::kImage);
        items.push_back(p.media());
      }
    }
    prompt = impl_->Tokenize(impl_->model->ApplyChatTemplate(conv, true), items, /*parse_special=*/true);
    return prompt.ids;
  };
  std::vector<int32_t> ids = render(conversation);
  int64_t dropped = 0;
  if (impl_->options.context_full == ContextFullPolicy::kDropOldestTurns) {
    // Room for the whole reply, so generation does not run into the limit either.
    const int64_t budget = impl_->context - std::max<int64_t>(options.max_tokens, 0);
    std::vector<ChatMessage> conv = conversation;
    while (static_cast<int64_t>(ids.size()) > budget && DropOldestTurn(conv, dropped)) ids = render(conv);
  }
  const auto& held = impl_->tokens;
  std::vector<uint64_t> keys(ids.size(), 0);
  for (const MediaSlot& slot : prompt.slots) {
    std::fill_n(keys.begin() + static_cast<std::ptrdiff_t>(slot.offset), slot.encoder->tokens_per_item(), slot.key);
  }
  size_t common = 0;
  // A media token matches only the same content.
  while (common < held.size() && common < ids.size() && held[common] == ids[common] &&
         impl_->media.KeyAt(static_cast<int64_t>(common)) == keys[common]) {
    ++common;
  }
  // At least the last token is evaluated again, so there are logits to sample from.
  if (common == ids.size()) --common;
  // An item is evaluated whole or not at all.
  for (const MediaSlot& slot : prompt.slots) {
    if (slot.offset < common && common < slot.offset + slot.encoder->tokens_per_item()) common = slot.offset;
  }
  // Check the fit before dropping anything, so a failed call leaves the session as it was.
  if (static_cast<int64_t>(ids.size()) > impl_->context) {
    Fail(Status::kContextFull, "context full: the conversation takes " + std::to_string(ids.size()) +
                                   " tokens, the context holds " + std::to_string(impl_->context));
  }
  impl_->Truncate(static_cast<int64_t>(common));
  impl_->AddMedia(prompt, common);
  return {std::vector<int32_t>(ids.begin() + static_cast<std::ptrdiff_t>(common), ids.end()), dropped};
}

size_t Session::WholeMediaLength(size_t n) const {
  return impl_->media.ChunkLength(static_cast<int64_t>(impl_->tokens.size()), n);
}

void Session::DropPendingMedia() { impl_->media.Truncate(static_cast<int64_t>(impl_->tokens.size())); }

void Session::Cancel() { impl_->cancel.store(true); }

void Session::DecodeBatch(const std::vector<Session*>& sessions, const std::vector<int32_t>& tokens) {
  if (sessions.empty()) Fail(Status::kInvalidArgument, "batch: no sessions");
  if (tokens.size() != sessions.size()) Fail(Status::kInvalidArgument, "batch: one token per session is needed");
  std::vector<DecodeStep> steps(sessions.size());
  for (size_t i = 0; i < sessions.size(); ++i) {
    Session* s = sessions[i];
    if (!s) Fail(Status::kInvalidArgument, "batch: session " + std::to_string(i) + " is null");
    if (&s->impl_->m != &sessions[0]->impl_->m) Fail(Status::kInvalidArgument, "batch: the sessions use different models");
    for (size_t j = 0; j < i; ++j) {
      if (sessions[j] == s) Fail(Status::kInvalidArgument, "batch: session " + std::to_string(i) + " appears twice");
    }
    s->impl_->CheckIds({tokens[i]});
    steps[i] = DecodeStep{tokens[i], static_cast<int64_t>(s->impl_->tokens.size()), s->impl_->cache.get(), &s->impl_->lora};
  }
  for (Session* s : sessions) s->impl_->CheckCancel();
  Impl& first = *sessions[0]->impl_;
  std::vector<float> logits;
  first.m.decoder->ForwardBatch(steps.data(), steps.size(), logits, &first.pool);
  const size_t vocab = static_cast<size_t>(first.m.config.vocab_size);
  for (size_t i = 0; i < sessions.size(); ++i) {
    Impl& s = *sessions[i]->impl_;
    s.tokens.push_back(tokens[i]);
    s.logits.assign(logits.begin() + static_cast<std::ptrdiff_t>(i * vocab),
                    logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocab));
    s.logits_rows = 1;
  }
}

std::unique_ptr<Session> Session::Fork() const {
  std::unique_ptr<Session> s(new Session());
  s->impl_ = std::make_unique<Impl>(*impl_);
  return s;
}

size_t Session::kv_cache_bytes() const { return impl_->cache->bytes(); }

size_t Session::SaveState(void* buf, size_t capacity) const {
  const Impl& i = *impl_;
  SessionStateView v;
  v.model_id = ModelIdentity(i.m.config, i.m.weights);
  v.adapters_id = AdapterSetIdentity(i.adapters);
  v.options = {i.context, i.options.batch_size, i.cache->type()};
  v.tokens = &i.tokens;
  v.rng = i.rng.state;
  v.last_logits = i.logits_rows ? i.LastLogits() : nullptr;
  v.vocab = i.m.config.vocab_size;
  v.cache = i.cache.get();
  v.media = &i.media;
  const size_t size = EncodeSessionState(v, nullptr);
  if (buf != nullptr && capacity >= size) EncodeSessionState(v, static_cast<uint8_t*>(buf));
  return size;
}

std::vector<uint8_t> Session::SaveState() const {
  std::vector<uint8_t> out(SaveState(nullptr, 0));
  SaveState(out.data(), out.size());
  return out;
}

void Session::LoadState(const void* data, size_t size) {
  Impl& i = *impl_;
  RestoredSession r = DecodeSessionState(static_cast<const uint8_t*>(data), size, i.m.config,
                                         ModelIdentity(i.m.config, i.m.weights), AdapterSetIdentity(i.adapters));
  i.options.context_length = r.options.context;
  i.options.batch_size = r.options.batch_size;
  i.options.kv_type = ToKvType(r.options.kv_type);
  i.context = r.options.context;
  i.cache = std::move(r.cache);
  i.tokens = std::move(r.tokens);
  i.media = std::move(r.media);
  i.logits = std::move(r.last_logits);
  i.logits_rows = i.logits.empty() ? 0 : 1;
  std::copy(r.rng, r.rng + 4, i.rng.state);
}

int64_t KvCacheBytes(const Model& model, int64_t n_positions, const SessionOptions& options) {
  const ModelConfig& c = model.impl().config;
  const int64_t context = ResolveContext(c, options);
  if (n_positions < 0) Fail(Status::kInvalidArgument, "n_positions must be >= 0");
  if (n_positions > c.context_length) {
    Fail(Status::kInvalidArgument, std::to_string(n_positions) + " positions is past the model's context length (" +
                                       std::to_string(c.context_length) + ")");
  }
  return KvCache::BytesFor(c, std::max(context, n_positions), options.batch_size, ToDType(options.kv_type), n_positions);
}

}  // namespace gemmakit
