#include "multimodal/full_attention.h"

#include <algorithm>
#include <cmath>

#include "kernels/matmul.h"

namespace gemmakit {
namespace {

// Row-wise softmax of scale · s, in place.
void SoftmaxRows(float* s, size_t n, size_t cols, float scale, Executor* ex) {
  ParallelFor(ex, n, 8, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) {
      float* row = s + r * cols;
      float mx = -INFINITY;
      for (size_t j = 0; j < cols; ++j) mx = std::max(mx, row[j] * scale);
      float sum = 0.f;
      for (size_t j = 0; j < cols; ++j) {
        row[j] = std::exp(row[j] * scale - mx);
        sum += row[j];
      }
      const float inv = 1.f / sum;
      for (size_t j = 0; j < cols; ++j) row[j] *= inv;
    }
  });
}

}  // namespace

void FullAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                   float scale, float* out, FullAttentionScratch& s, Executor* ex) {
  const size_t d = n_heads * head_dim;
  s.qh.resize(n * head_dim);
  s.kh.resize(n * head_dim);
  s.vt.resize(head_dim * n);
  s.oh.resize(n * head_dim);
  s.scores.resize(n * n);
  for (size_t h = 0; h < n_heads; ++h) {
    const size_t off = h * head_dim;
    for (size_t i = 0; i < n; ++i) {
      std::copy_n(q + i * d + off, head_dim, &s.qh[i * head_dim]);
      std::copy_n(k + i * d + off, head_dim, &s.kh[i * head_dim]);
      for (size_t j = 0; j < head_dim; ++j) s.vt[j * n + i] = v[i * d + off + j];
    }
    // Keys as the "weight" rows: scores[i][j] = q_i · k_j.
    MatMul(s.qh.data(), n, MatrixView{DType::kF32, s.kh.data(), n, head_dim}, s.scores.data(), ex);
    SoftmaxRows(s.scores.data(), n, n, scale, ex);
    // Vᵀ as the weight: out[i][j] = Σ_p P[i][p] · v[p][j].
    MatMul(s.scores.data(), n, MatrixView{DType::kF32, s.vt.data(), head_dim, n}, s.oh.data(), ex);
    for (size_t i = 0; i < n; ++i) std::copy_n(&s.oh[i * head_dim], head_dim, out + i * d + off);
  }
}

}  // namespace gemmakit
