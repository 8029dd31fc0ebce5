// Bidirectional multi-head attention among all tokens of one image, per head: scores = Q·Kᵀ as a
// panel GEMM (kernels/panel_gemm.h: the reduction is only head_dim long), a SIMD row softmax, and
// out = P·V through MatMul; each split across the executor.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/parallel.h"

namespace gemmakit {

struct FullAttentionScratch {
  std::vector<float> kt, vt, scores, oh;
};

// q, k, v: [n, n_heads * head_dim]; out: [n, n_heads * head_dim]. softmax(scale · q·kᵀ) · v.
void FullAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                   float scale, float* out, FullAttentionScratch& scratch, Executor* ex);

}  // namespace gemmakit
