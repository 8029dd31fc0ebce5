#include "model/kv_cache.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

int64_t RoundUpToPage(int64_t n) { return (n + KvCache::kPageSlots - 1) / KvCache::kPageSlots * KvCache::kPageSlots; }

// Slots a layer with ring size `ring` (0: none) holds once [0, n) are written.
int64_t SlotsFor(int64_t ring, int64_t n) {
  const int64_t paged = RoundUpToPage(n);
  return ring > 0 ? std::min(paged, ring) : paged;
}

}  // namespace

int64_t KvCache::RingSize(const LayerConfig& lc, int64_t max_positions, int64_t max_chunk) {
  if (!lc.sliding) return 0;
  // A chunk never holds more than the context, and the sum then cannot overflow.
  const int64_t ring = static_cast<int64_t>(lc.window) + std::min(max_chunk, max_positions) - 1;
  return ring < max_positions ? ring : 0;  // a ring as long as the context is a plain cache
}

KvCache::KvCache(const ModelConfig& config, int64_t max_positions, int64_t max_chunk, DType type)
    : type_(type),
      n_kv_heads_(static_cast<size_t>(config.n_kv_heads)),
      head_dim_(static_cast<size_t>(config.head_dim)),
      head_bytes_(KvHeadBytes(type, head_dim_)),
      row_bytes_(n_kv_heads_ * head_bytes_),
      max_positions_(max_positions),
      max_chunk_(max_chunk),
      layers_(config.n_kv_stores()) {
  if (!IsKvType(type)) Fail(Status::kInvalidArgument, std::string("a KV cache cannot hold ") + DTypeName(type));
  if (max_chunk < 1) Fail(Status::kInvalidArgument, "KV cache: max_chunk must be >= 1");
  for (size_t i = 0; i < layers_.size(); ++i) layers_[i].ring = RingSize(config.store_layer(i), max_positions, max_chunk);
}

KvCache::KvCache(const KvCache& o)
    : type_(o.type_),
      n_kv_heads_(o.n_kv_heads_),
      head_dim_(o.head_dim_),
      head_bytes_(o.head_bytes_),
      row_bytes_(o.row_bytes_),
      max_positions_(o.max_positions_),
      max_chunk_(o.max_chunk_),
      layers_(o.layers_.size()) {
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& src = o.layers_[i];
    Layer& dst = layers_[i];
    dst.ring = src.ring;
    dst.held_begin = src.held_begin;
    while (dst.slots < src.slots) {
      const size_t page = dst.k.size();
      const int64_t n = std::min(kPageSlots, src.slots - dst.slots);
      AddPage(dst, n);
      std::memcpy(dst.k[page].get(), src.k[page].get(), static_cast<size_t>(n) * row_bytes_);
      std::memcpy(dst.v[page].get(), src.v[page].get(), static_cast<size_t>(n) * row_bytes_);
    }
  }
}

int64_t KvCache::BytesFor(const ModelConfig& config, int64_t max_positions, int64_t max_chunk, DType type,
                          int64_t n_positions) {
  if (n_positions < 0 || n_positions > (int64_t{1} << 40)) {
    Fail(Status::kInvalidArgument, "KV cache: " + std::to_string(n_positions) + " positions is out of range");
  }
  const int64_t row = config.n_kv_heads * static_cast<int64_t>(KvHeadBytes(type, static_cast<size_t>(config.head_dim)));
  int64_t total = 0;
  for (size_t s = 0; s < config.n_kv_stores(); ++s) {
    int64_t layer = 0;
    if (__builtin_mul_overflow(2 * row, SlotsFor(RingSize(config.store_layer(s), max_positions, max_chunk), n_positions), &layer) ||
        __builtin_add_overflow(total, layer, &total)) {
      Fail(Status::kInvalidArgument, "KV cache of " + std::to_string(n_positions) + " positions: size overflows");
    }
  }
  return total;
}

void KvCache::AddPage(Layer& l, int64_t slots) {
  const size_t bytes = static_cast<size_t>(slots) * row_bytes_;
  l.k.emplace_back(new uint8_t[bytes]);
  l.v.emplace_back(new uint8_t[bytes]);
  l.k_ptrs.push_back(l.k.back().get());
  l.v_ptrs.push_back(l.v.back().get());
  l.slots += slots;
}

void KvCache::Reserve(int64_t n) {
  if (n > max_positions_) {
    Fail(Status::kContextFull, "context full: " + std::to_string(n) + " positions do not fit the context of " +
                                   std::to_string(max_positions_));
  }
  for (Layer& l : layers_) {
    const int64_t want = SlotsFor(l.ring, n);
    while (l.slots < want) AddPage(l, std::min(kPageSlots, want - l.slots));
  }
}

void KvCache::Clear() {
  for (Layer& l : layers_) {
    const int64_t ring = l.ring;
    l = Layer();
    l.ring = ring;
  }
}

uint8_t* KvCache::Row(const std::vector<std::unique_ptr<uint8_t[]>>& pages, size_t layer, int64_t pos) const {
  const int64_t ring = layers_[layer].ring;
  const size_t slot = static_cast<size_t>(ring ? pos % ring : pos);
  return pages[slot >> kPageShift].get() + (slot & (kPageSlots - 1)) * row_bytes_;
}

void KvCache::Store(size_t layer, int64_t pos, const float* k, const float* v) {
  Layer& l = layers_[layer];
  uint8_t* kr = Row(l.k, layer, pos);
  uint8_t* vr = Row(l.v, layer, pos);
  for (size_t h = 0; h < n_kv_heads_; ++h) {
    KvEncodeHead(type_, k + h * head_dim_, head_dim_, kr + h * head_bytes_);
    KvEncodeHead(type_, v + h * head_dim_, head_dim_, vr + h * head_bytes_);
  }
  if (l.ring) l.held_begin = std::max(l.held_begin, pos + 1 - l.ring);
}

KvView KvCache::View(size_t layer) const {
  const Layer& l = layers_[layer];
  KvView v;
  v.k_pages = l.k_ptrs.data();
  v.v_pages = l.v_ptrs.data();
  v.page_shift = kPageShift;
  v.row_bytes = row_bytes_;
  v.type = type_;
  v.n_kv_heads = n_kv_heads_;
  v.head_dim = head_dim_;
  v.head_bytes = head_bytes_;
  v.ring_size = static_cast<size_t>(l.ring);
  return v;
}

size_t KvCache::bytes() const {
  size_t total = 0;
  for (const Layer& l : layers_) total += 2 * static_cast<size_t>(l.slots) * row_bytes_;
  return total;
}

}  // namespace gemmakit
