// Bidirectional multi-head attention among all tokens of one image, a block of 256 queries of one
// head per task: scores = Q·Kᵀ as a float32 panel GEMM (kernels/panel_gemm.h: the reduction is
// only head_dim long), a SIMD row softmax, P·V through MatMul. Scores exist for one block at a
// time, never n × n.
//
// With bf16 products (Precision::kFast, kernels/bf16_gemm.h) it works a block of queries at a time
// instead, so the scores never take n × n floats: K and Vᵀ of every head are packed into bf16
// panels once, then each (head, query block) task computes its scores, softmax and P·V alone.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/bf16_gemm.h"
#include "kernels/parallel.h"

namespace gemmakit {

struct FullAttentionScratch {
  std::vector<float> kt, vt;             // exact path: Kᵀ and Vᵀ per head
  std::vector<BF16Panels> keys, values;  // bf16 path: per head
};

// q, k, v: [n, n_heads * head_dim]; out: [n, n_heads * head_dim]. softmax(scale · q·kᵀ) · v.
void FullAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                   float scale, float* out, FullAttentionScratch& scratch, Executor* ex);
// The same with bf16 products and float32 sums; needs HasFastBF16Gemm() to be fast.
void FullAttentionBF16(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                       float scale, float* out, FullAttentionScratch& scratch, Executor* ex);

}  // namespace gemmakit
