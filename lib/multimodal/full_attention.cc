#include "multimodal/full_attention.h"

#include <algorithm>
#include <cmath>

#include "kernels/panel_gemm.h"

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
  s.kt.resize(head_dim * n);
  s.scores.resize(n * n);
  for (size_t h = 0; h < n_heads; ++h) {
    const size_t off = h * head_dim;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < head_dim; ++j) s.kt[j * n + i] = k[i * d + off + j];
    }
    PanelGemmArgs qk;
    qk.a = q + off;
    qk.lda = d;
    qk.b = s.kt.data();
    qk.ldb = n;
    qk.c = s.scores.data();
    qk.ldc = n;
    qk.m = n;
    qk.n = n;
    qk.k = head_dim;
    PanelGemm(qk, ex);
    SoftmaxRows(s.scores.data(), n, n, scale, ex);
    PanelGemmArgs pv;
    pv.a = s.scores.data();
    pv.lda = n;
    pv.b = v + off;
    pv.ldb = d;
    pv.c = out + off;
    pv.ldc = d;
    pv.m = n;
    pv.n = head_dim;
    pv.k = n;
    PanelGemm(pv, ex);
  }
}

}  // namespace gemmakit
