// Bidirectional multi-head attention among all tokens of one image, per head as two panel GEMMs
// (scores = Q·Kᵀ with the head's keys transposed, out = P·V) and a row softmax in between, each
// split across the executor. The reductions are short (head_dim) or the outputs narrow
// (head_dim), which is what kernels/panel_gemm.h is for.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/parallel.h"

namespace gemmakit {

struct FullAttentionScratch {
  std::vector<float> kt, scores;
};

// q, k, v: [n, n_heads * head_dim]; out: [n, n_heads * head_dim]. softmax(scale · q·kᵀ) · v.
void FullAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                   float scale, float* out, FullAttentionScratch& scratch, Executor* ex);

}  // namespace gemmakit
