// Attention among all tokens of one media item (an image's 4096 patches), in blocks of queries
// of one head per task.
#include <algorithm>

#include "kernels/attention/attention.h"
#include "kernels/bf16_gemm.h"
#include "kernels/matmul.h"
#include "kernels/panel_gemm.h"
#include "kernels/softmax.h"

namespace gemmakit {

void DenseAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                   float scale, float* out, DenseAttentionScratch& s, Executor* ex) {
  const size_t d = n_heads * head_dim;
  // Kᵀ and Vᵀ of every head, [head][dim][position]: the B operand of the score products, and the
  // weight operand of P·V (MatMul's dot-product tiles suit its 4096-long reduction).
  s.kt.resize(n_heads * head_dim * n);
  s.vt.resize(n_heads * head_dim * n);
  ParallelFor(ex, n_heads, 1, [&](size_t h0, size_t h1) {
    for (size_t h = h0; h < h1; ++h) {
      float* kt = s.kt.data() + h * head_dim * n;
      float* vt = s.vt.data() + h * head_dim * n;
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < head_dim; ++j) {
          kt[j * n + i] = k[i * d + h * head_dim + j];
          vt[j * n + i] = v[i * d + h * head_dim + j];
        }
      }
    }
  });
  // A block of queries of one head per task: its scores (256 × n floats, not n × n), their
  // softmax, P·V. Blocks this large amortize MatMul's repacking of Vᵀ.
  constexpr size_t kBlock = 256;
  const size_t blocks = (n + kBlock - 1) / kBlock;
  ParallelFor(ex, n_heads * blocks, 1, [&](size_t t0, size_t t1) {
    std::vector<float> scores(kBlock * n), oh(kBlock * head_dim);
    for (size_t t = t0; t < t1; ++t) {
      const size_t h = t / blocks, i0 = (t % blocks) * kBlock, rows = std::min(kBlock, n - i0);
      PanelGemmArgs qk;
      qk.a = q + i0 * d + h * head_dim;
      qk.lda = d;
      qk.b = s.kt.data() + h * head_dim * n;
      qk.ldb = n;
      qk.c = scores.data();
      qk.ldc = n;
      qk.m = rows;
      qk.n = n;
      qk.k = head_dim;
      PanelGemm(qk, nullptr);
      SoftmaxRows(scores.data(), rows, n, scale, nullptr);
      MatMul(scores.data(), rows, MatrixView{DType::kF32, s.vt.data() + h * head_dim * n, head_dim, n}, oh.data(),
             nullptr);
      for (size_t r = 0; r < rows; ++r) std::copy_n(&oh[r * head_dim], head_dim, out + (i0 + r) * d + h * head_dim);
    }
  });
}

void DenseAttentionBF16(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                       float scale, float* out, DenseAttentionScratch& s, Executor* ex) {
  const size_t d = n_heads * head_dim;
  s.keys.resize(n_heads);
  s.values.resize(n_heads);
  ParallelFor(ex, n_heads, 1, [&](size_t h0, size_t h1) {
    for (size_t h = h0; h < h1; ++h) {
      PackPanelsFromF32(k + h * head_dim, n, head_dim, d, 1, s.keys[h]);
      PackPanelsFromF32(v + h * head_dim, head_dim, n, 1, d, s.values[h]);  // Vᵀ: a row per head dimension
    }
  });
  // 48 queries (eight input groups of the register tile) keep a block's scores near 768 KB.
  constexpr size_t kBlock = 48;
  const size_t blocks = (n + kBlock - 1) / kBlock, q_pairs = BF16Pairs(head_dim), p_pairs = BF16Pairs(n);
  ParallelFor(ex, n_heads * blocks, 1, [&](size_t t0, size_t t1) {
    // Per thread and kept: fresh pages for these would cost more than the softmax.
    thread_local std::vector<float> scores;
    thread_local std::vector<uint32_t> q_packed, p_packed;
    scores.resize(kBlock * n);
    q_packed.resize(kBlock * q_pairs);
    p_packed.resize(kBlock * p_pairs);
    float sums[kBlock];
    for (size_t t = t0; t < t1; ++t) {
      const size_t h = t / blocks, i0 = (t % blocks) * kBlock, rows = std::min(kBlock, n - i0);
      float* o = out + i0 * d + h * head_dim;
      PackInputPairs(q + i0 * d + h * head_dim, rows, head_dim, d, q_packed.data());
      GemmBF16(s.keys[h].view(), 0, s.keys[h].n_panels(), q_packed.data(), rows, scores.data(), n);
      for (size_t r = 0; r < rows; ++r) {
        sums[r] = ExpRowToBF16Pairs(scores.data() + r * n, n, scale, p_packed.data() + r * p_pairs);
      }
      GemmBF16(s.values[h].view(), 0, s.values[h].n_panels(), p_packed.data(), rows, o, d);
      for (size_t r = 0; r < rows; ++r) {
        const float inv = 1.f / sums[r];
        for (size_t j = 0; j < head_dim; ++j) o[r * d + j] *= inv;
      }
    }
  });
}

}  // namespace gemmakit
