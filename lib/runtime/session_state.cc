#include "runtime/session_state.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "gemmakit/status.h"
#include "kernels/attention/kv_rows.h"
#include "runtime/model_identity.h"

namespace gemmakit {
namespace {

constexpr char kMagic[8] = {'G', 'M', 'K', 'S', 'E', 'S', 'S', '\0'};
constexpr size_t kHeaderBytes = 48;
constexpr int64_t kMaxBatch = int64_t{1} << 24;

// Appends bytes, or only counts them when there is no destination.
class Writer {
 public:
  explicit Writer(uint8_t* dst) : dst_(dst) {}
  void Put(const void* p, size_t n) {
    if (dst_ && n) std::memcpy(dst_ + size_, p, n);
    size_ += n;
  }
  template <typename T>
  void Value(T v) { Put(&v, sizeof v); }
  size_t size() const { return size_; }

 private:
  uint8_t* dst_;
  size_t size_ = 0;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  const uint8_t* Take(size_t n, const char* what) {
    if (n > n_ - pos_) {
      Fail(Status::kFormatError, std::string("saved session is truncated: ") + what + " needs " + std::to_string(n) +
                                     " bytes, " + std::to_string(n_ - pos_) + " left");
    }
    const uint8_t* r = p_ + pos_;
    pos_ += n;
    return r;
  }
  template <typename T>
  T Value(const char* what) {
    T v;
    std::memcpy(&v, Take(sizeof v, what), sizeof v);
    return v;
  }
  size_t left() const { return n_ - pos_; }

 private:
  const uint8_t* p_;
  size_t n_, pos_ = 0;
};

// memcpy that accepts the null data() of an empty vector.
void Copy(void* dst, const uint8_t* src, size_t n) {
  if (n) std::memcpy(dst, src, n);
}

[[noreturn]] void Bad(const std::string& what) { Fail(Status::kFormatError, "saved session: " + what); }

// First position whose rows a layer saves: everything for a global layer, what the ring still
// holds for a sliding one.
int64_t FirstSaved(const KvCache& cache, size_t layer, int64_t n) {
  if (cache.ring_size(layer) == 0) return 0;
  return std::min(n, std::max<int64_t>(cache.held_begin(layer), n - cache.ring_size(layer)));
}

void WritePayload(const SessionStateView& s, Writer& w) {
  const KvCache& cache = *s.cache;
  const int64_t n = static_cast<int64_t>(s.tokens->size());
  w.Value<int64_t>(s.options.context);
  w.Value<int64_t>(s.options.batch_size);
  w.Value<int32_t>(static_cast<int32_t>(s.options.kv_type));
  w.Value<int32_t>(static_cast<int32_t>(cache.n_stores()));
  w.Value<int64_t>(s.vocab);
  w.Value<int64_t>(static_cast<int64_t>(cache.row_bytes()));
  w.Value<int64_t>(n);
  w.Put(s.tokens->data(), s.tokens->size() * sizeof(int32_t));
  w.Put(s.rng, 4 * sizeof(uint64_t));
  w.Value<int64_t>(s.last_logits ? s.vocab : 0);
  if (s.last_logits) w.Put(s.last_logits, static_cast<size_t>(s.vocab) * sizeof(float));
  for (size_t l = 0; l < cache.n_stores(); ++l) {
    const int64_t begin = FirstSaved(cache, l, n);
    w.Value<int64_t>(cache.ring_size(l));
    w.Value<int64_t>(begin);
    for (int64_t p = begin; p < n; ++p) w.Put(cache.KeyRow(l, p), cache.row_bytes());
    for (int64_t p = begin; p < n; ++p) w.Put(cache.ValueRow(l, p), cache.row_bytes());
  }
  // Media whose soft tokens are in the cache: the keys let a chat recognise them in its history,
  // the rows re-enter a forward pass only after a truncation into them.
  std::vector<const SessionMedia::Span*> items;
  if (s.media) {
    for (const SessionMedia::Span& span : s.media->spans()) {
      if (span.end <= n) items.push_back(&span);
    }
  }
  w.Value<int64_t>(static_cast<int64_t>(items.size()));
  for (const SessionMedia::Span* span : items) {
    w.Value<int64_t>(span->begin);
    w.Value<int64_t>(span->end);
    w.Value<uint64_t>(span->key);
    w.Value<uint32_t>(span->bidirectional ? 1u : 0u);
    w.Put(span->rows.data(), span->rows.size() * sizeof(float));
  }
}

}  // namespace

size_t EncodeSessionState(const SessionStateView& s, uint8_t* dst) {
  Writer counter(nullptr);
  WritePayload(s, counter);
  const size_t payload = counter.size();
  if (dst == nullptr) return kHeaderBytes + payload;
  Writer body(dst + kHeaderBytes);
  WritePayload(s, body);
  Hash64 checksum;
  checksum.Add(dst + kHeaderBytes, payload);
  Writer head(dst);
  head.Put(kMagic, sizeof kMagic);
  head.Value<uint32_t>(kSessionStateVersion);
  head.Value<uint32_t>(static_cast<uint32_t>(kHeaderBytes));
  head.Value<uint64_t>(s.model_id);
  head.Value<uint64_t>(payload);
  head.Value<uint64_t>(checksum.value());
  head.Value<uint64_t>(s.adapters_id);
  return kHeaderBytes + payload;
}

RestoredSession DecodeSessionState(const uint8_t* data, size_t size, const ModelConfig& config, uint64_t model_id,
                                   uint64_t adapters_id) {
  if (data == nullptr && size > 0) Fail(Status::kInvalidArgument, "saved session: data is NULL");
  Reader head(data, size);
  if (size < sizeof kMagic || std::memcmp(head.Take(sizeof kMagic, "the magic"), kMagic, sizeof kMagic) != 0) {
    Bad("not a gemmakit session (bad magic)");
  }
  const uint32_t version = head.Value<uint32_t>("the format version");
  if (version < 1 || version > kSessionStateVersion) {
    Fail(Status::kUnsupported, "saved session has format version " + std::to_string(version) + "; this library reads 1 to " +
                                   std::to_string(kSessionStateVersion));
  }
  if (head.Value<uint32_t>("the header size") != kHeaderBytes) Bad("unexpected header size");
  const uint64_t blob_model = head.Value<uint64_t>("the model identity");
  const uint64_t payload = head.Value<uint64_t>("the payload size");
  const uint64_t checksum = head.Value<uint64_t>("the checksum");
  const uint64_t blob_adapters = head.Value<uint64_t>("the adapters' identity");
  if (version < 4 && blob_adapters != 0) Bad("reserved header word is not zero");
  if (blob_model != model_id) Bad("it was saved from another model (or the same one loaded with other weight types)");
  // Its keys and values were computed with those adapters' deltas: with others they would be wrong.
  if (blob_adapters != adapters_id) {
    Bad(blob_adapters == 0 ? "it was saved without LoRA adapters, and this session has some active"
        : adapters_id == 0 ? "it was saved with LoRA adapters active: set the same ones, at the same scales, first"
                           : "it was saved with other LoRA adapters (or scales) active than this session's");
  }
  if (payload != head.left()) {
    Bad(payload > head.left() ? "truncated: the header announces " + std::to_string(payload) + " payload bytes, " +
                                    std::to_string(head.left()) + " present"
                              : std::to_string(head.left() - payload) + " bytes after the end of the payload");
  }
  Hash64 h;
  h.Add(data + kHeaderBytes, payload);
  if (h.value() != checksum) Bad("checksum mismatch: the blob is corrupt");

  Reader in(data + kHeaderBytes, payload);
  RestoredSession r;
  r.options.context = in.Value<int64_t>("the context");
  r.options.batch_size = in.Value<int64_t>("the batch size");
  const int32_t type = in.Value<int32_t>("the KV type");
  if (r.options.context < 1 || r.options.context > config.context_length) Bad("context length out of range");
  if (r.options.batch_size < 1 || r.options.batch_size > kMaxBatch) Bad("batch size out of range");
  if (type < 0 || type >= kNumDTypes || !IsKvType(static_cast<DType>(type))) Bad("unknown KV element type");
  r.options.kv_type = static_cast<DType>(type);
  // The count of KV stores (one per layer except for KV-shared layers), as SaveState writes it.
  if (in.Value<int32_t>("the layer count") != static_cast<int32_t>(config.n_kv_stores())) Bad("layer count differs from the model's");
  if (in.Value<int64_t>("the vocabulary size") != config.vocab_size) Bad("vocabulary size differs from the model's");
  const int64_t row_bytes = in.Value<int64_t>("the KV row size");
  if (row_bytes != config.n_kv_heads * static_cast<int64_t>(KvHeadBytes(r.options.kv_type, static_cast<size_t>(config.head_dim)))) {
    Bad("KV row size differs from the model's");
  }
  const int64_t n = in.Value<int64_t>("the token count");
  if (n < 0 || n > r.options.context) Bad("token count out of range");
  r.tokens.resize(static_cast<size_t>(n));
  Copy(r.tokens.data(), in.Take(static_cast<size_t>(n) * sizeof(int32_t), "the tokens"), r.tokens.size() * sizeof(int32_t));
  std::memcpy(r.rng, in.Take(sizeof r.rng, "the RNG state"), sizeof r.rng);
  const int64_t n_logits = in.Value<int64_t>("the logits count");
  if (n_logits != 0 && n_logits != config.vocab_size) Bad("logits count is neither 0 nor the vocabulary size");
  r.last_logits.resize(static_cast<size_t>(n_logits));
  Copy(r.last_logits.data(), in.Take(r.last_logits.size() * sizeof(float), "the logits"), r.last_logits.size() * sizeof(float));

  r.cache = std::make_unique<KvCache>(config, r.options.context, r.options.batch_size, r.options.kv_type);
  KvCache& cache = *r.cache;
  const size_t rb = static_cast<size_t>(row_bytes);
  // Global layers hold every position: a count the remaining bytes cannot back allocates nothing.
  size_t global_layers = 0;
  for (size_t l = 0; l < cache.n_stores(); ++l) global_layers += cache.ring_size(l) == 0;
  if (global_layers && in.left() / (2 * rb * global_layers) < static_cast<size_t>(n)) Bad("truncated KV rows");
  cache.Reserve(n);
  for (size_t l = 0; l < cache.n_stores(); ++l) {
    const std::string layer = "layer " + std::to_string(l);
    if (in.Value<int64_t>("a ring size") != cache.ring_size(l)) Bad(layer + ": ring size differs from the model's");
    const int64_t begin = in.Value<int64_t>("a layer's first position");
    const int64_t ring = cache.ring_size(l);
    if (begin < 0 || begin > n || (ring == 0 && begin != 0) || (ring > 0 && n - begin > ring)) {
      Bad(layer + ": held positions out of range");
    }
    const size_t rows = static_cast<size_t>(n - begin);
    if (in.left() / 2 / rb < rows) Bad(layer + ": truncated KV rows");
    const uint8_t* k = in.Take(rows * rb, "key rows");
    const uint8_t* v = in.Take(rows * rb, "value rows");
    for (size_t i = 0; i < rows; ++i) {
      std::memcpy(cache.MutableKeyRow(l, begin + static_cast<int64_t>(i)), k + i * rb, rb);
      std::memcpy(cache.MutableValueRow(l, begin + static_cast<int64_t>(i)), v + i * rb, rb);
    }
    cache.set_held_begin(l, begin);
  }
  if (version >= 2) {
    const int64_t count = in.Value<int64_t>("the media count");
    const size_t hidden = static_cast<size_t>(config.hidden);
    if (count < 0 || static_cast<uint64_t>(count) > in.left() / (3 * sizeof(int64_t))) Bad("media count out of range");
    int64_t previous_end = 0;
    for (int64_t i = 0; i < count; ++i) {
      SessionMedia::Span span;
      span.begin = in.Value<int64_t>("an item's first position");
      span.end = in.Value<int64_t>("an item's end");
      span.key = in.Value<uint64_t>("an item's key");
      if (version >= 3) {
        const uint32_t flags = in.Value<uint32_t>("an item's flags");
        if (flags > 1u) Bad("media item " + std::to_string(i) + " has unknown flags");
        span.bidirectional = (flags & 1u) != 0;
      }
      if (span.begin < previous_end || span.end <= span.begin || span.end > n) {
        Bad("media item " + std::to_string(i) + " spans positions out of range or overlapping");
      }
      const size_t rows = static_cast<size_t>(span.end - span.begin);
      if (in.left() / sizeof(float) / hidden < rows) Bad("media item " + std::to_string(i) + ": truncated soft tokens");
      span.rows.resize(rows * hidden);
      std::memcpy(span.rows.data(), in.Take(span.rows.size() * sizeof(float), "soft tokens"), span.rows.size() * sizeof(float));
      previous_end = span.end;
      r.media.Add(std::move(span));
    }
  }
  if (in.left() != 0) Bad(std::to_string(in.left()) + " unexpected bytes after the " + (version >= 2 ? "media" : "KV cache"));
  // Media positions hold a placeholder id, which may lie past the text vocabulary.
  for (size_t p = 0; p < r.tokens.size(); ++p) {
    const int32_t id = r.tokens[p];
    if ((id < 0 || id >= config.vocab_size) && !r.media.Covers(static_cast<int64_t>(p))) {
      Bad("token id " + std::to_string(id) + " outside the vocabulary");
    }
  }
  return r;
}

}  // namespace gemmakit
