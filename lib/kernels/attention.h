// Scaled dot-product attention of a block of queries over cached keys and values. Each query sees
// a caller-given range of key positions, which expresses causal, sliding-window and bidirectional
// (image) masks alike; scores are built one query at a time, never as an n×n matrix.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/parallel.h"

namespace gemmakit {

// Keys and values of one layer: slot s holds [n_kv_heads][head_dim] floats at k + s * row_stride.
struct KvView {
  const float* k = nullptr;
  const float* v = nullptr;
  size_t n_kv_heads = 0;
  size_t head_dim = 0;
  size_t row_stride = 0;  // floats between consecutive slots
  // Slot of absolute position p is p % ring_size when ring_size > 0 (a sliding-window ring
  // buffer), else p itself.
  size_t ring_size = 0;

  size_t Slot(int64_t pos) const {
    return ring_size ? static_cast<size_t>(pos) % ring_size : static_cast<size_t>(pos);
  }
};

struct AttentionParams {
  float scale = 1.f;    // applied to q·k before the soft-cap
  float softcap = 0.f;  // cap · tanh(score / cap) when > 0
};

// q: [n, n_heads, head_dim]; query i attends to key positions [key_begin[i], key_end[i]).
// out: [n, n_heads, head_dim]. Query heads share key/value heads in groups of n_heads / n_kv_heads.
void Attention(const float* q, size_t n, size_t n_heads, const int32_t* key_begin,
               const int32_t* key_end, const KvView& kv, const AttentionParams& params, float* out,
               Executor* ex);

// Scalar definition for tests.
void AttentionReference(const float* q, size_t n, size_t n_heads, const int32_t* key_begin,
                        const int32_t* key_end, const KvView& kv, const AttentionParams& params,
                        float* out);

}  // namespace gemmakit
