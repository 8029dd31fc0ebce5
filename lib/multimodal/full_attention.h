// Bidirectional multi-head attention among all tokens of one image, as two GEMMs per head
// (scores = Q·Kᵀ, out = P·V) through MatMul, so the encoder's attention runs on the same tiled,
// threaded kernels as its linear layers rather than one query at a time.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/parallel.h"

namespace gemmakit {

struct FullAttentionScratch {
  std::vector<float> qh, kh, vt, scores, oh;
};

// q, k, v: [n, n_heads * head_dim]; out: [n, n_heads * head_dim]. softmax(scale · q·kᵀ) · v.
void FullAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                   float scale, float* out, FullAttentionScratch& scratch, Executor* ex);

}  // namespace gemmakit
