#include "multimodal/full_attention.h"

#include <algorithm>

#include "kernels/matmul.h"
#include "kernels/panel_gemm.h"
#include "kernels/softmax.h"

namespace gemmakit {

void FullAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                   float scale, float* out, FullAttentionScratch& s, Executor* ex) {
  const size_t d = n_heads * head_dim;
  s.kt.resize(head_dim * n);
  s.vt.resize(head_dim * n);
  s.oh.resize(n * head_dim);
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
    // P·V as MatMul with Vᵀ for the weight: its dot-product tiles suit the 4096-long reduction,
    // and Vᵀ is contiguous where V's head columns are strided.
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < head_dim; ++j) s.vt[j * n + i] = v[i * d + off + j];
    }
    MatMul(s.scores.data(), n, MatrixView{DType::kF32, s.vt.data(), head_dim, n}, s.oh.data(), ex);
    for (size_t i = 0; i < n; ++i) std::copy_n(&s.oh[i * head_dim], head_dim, out + i * d + off);
  }
}

}  // namespace gemmakit
