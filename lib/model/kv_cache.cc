#include "model/kv_cache.h"

#include <algorithm>

#include "gemmakit/status.h"

namespace gemmakit {

KvCache::KvCache(const ModelConfig& config, int64_t max_positions)
    : kv_dim_(static_cast<size_t>(config.kv_dim())),
      n_kv_heads_(static_cast<size_t>(config.n_kv_heads)),
      head_dim_(static_cast<size_t>(config.head_dim)),
      max_positions_(max_positions),
      layers_(static_cast<size_t>(config.n_layers())) {}

void KvCache::Reserve(int64_t n) {
  if (n > max_positions_) {
    Fail(Status::kContextFull, "context full: " + std::to_string(n) + " positions do not fit the context of " +
                                   std::to_string(max_positions_));
  }
  if (n <= capacity_) return;
  // Grow geometrically so a long generation reallocates O(log n) times.
  const int64_t cap = std::min(max_positions_, std::max<int64_t>(n, std::max<int64_t>(64, capacity_ * 2)));
  for (Layer& l : layers_) {
    l.k.resize(static_cast<size_t>(cap) * kv_dim_);
    l.v.resize(static_cast<size_t>(cap) * kv_dim_);
  }
  capacity_ = cap;
}

void KvCache::Clear() {
  for (Layer& l : layers_) {
    std::vector<float>().swap(l.k);
    std::vector<float>().swap(l.v);
  }
  capacity_ = 0;
}

KvView KvCache::View(size_t layer) const {
  KvView v;
  v.k = layers_[layer].k.data();
  v.v = layers_[layer].v.data();
  v.n_kv_heads = n_kv_heads_;
  v.head_dim = head_dim_;
  v.row_stride = kv_dim_;
  return v;
}

size_t KvCache::bytes() const { return layers_.size() * 2 * static_cast<size_t>(capacity_) * kv_dim_ * sizeof(float); }

}  // namespace gemmakit
