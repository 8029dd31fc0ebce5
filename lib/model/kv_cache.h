// Keys and values of every position a session has evaluated, per layer. Memory grows with the
// conversation rather than being reserved for the whole context up front.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/attention.h"
#include "model/model_config.h"

namespace gemmakit {

class KvCache {
 public:
  explicit KvCache(const ModelConfig& config, int64_t max_positions);

  // Makes room for positions [0, n). Throws Error(kContextFull) past max_positions.
  void Reserve(int64_t n);
  void Clear();

  float* KeyRow(size_t layer, int64_t pos) { return &layers_[layer].k[Offset(layer, pos)]; }
  float* ValueRow(size_t layer, int64_t pos) { return &layers_[layer].v[Offset(layer, pos)]; }
  KvView View(size_t layer) const;

  int64_t max_positions() const { return max_positions_; }
  int64_t capacity() const { return capacity_; }
  // Bytes held now.
  size_t bytes() const;

 private:
  struct Layer {
    std::vector<float> k, v;  // [capacity][kv_dim]
  };
  size_t Offset(size_t /*layer*/, int64_t pos) const { return static_cast<size_t>(pos) * kv_dim_; }

  size_t kv_dim_;
  size_t n_kv_heads_, head_dim_;
  int64_t max_positions_;
  int64_t capacity_ = 0;
  std::vector<Layer> layers_;
};

}  // namespace gemmakit
