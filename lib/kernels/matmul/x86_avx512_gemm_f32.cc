// Prompt-sized (n ≥ 4 inputs) matmul in float32 for weights of any type: a chunk of rows is
// converted to float32 once (exact for F32/F16/BF16, dequantized for K-quants) and a 4-row ×
// 4-input register tile of FMAs runs over it while it sits in L2. Activations stay float32, so
// results equal the dot kernels' up to summation order.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/matmul.h"

namespace gemmakit {
namespace {

constexpr size_t kRows = 4, kInputs = 4;
constexpr size_t kChunkBytes = 192 * 1024;  // float32 rows converted at a time (fits L2 with inputs)
constexpr size_t kInputBlock = 32;

void Tile(const float* const w[kRows], const float* const x[kInputs], size_t cols, float* y, size_t y_stride,
          size_t rows, size_t inputs) {
  __m512 acc[kRows][kInputs];
  for (auto& a : acc) {
    for (auto& v : a) v = _mm512_setzero_ps();
  }
  size_t c = 0;
  for (; c + 16 <= cols; c += 16) {
    __m512 wv[kRows];
    for (size_t r = 0; r < kRows; ++r) wv[r] = _mm512_loadu_ps(w[r] + c);
    for (size_t t = 0; t < kInputs; ++t) {
      const __m512 xv = _mm512_loadu_ps(x[t] + c);
      for (size_t r = 0; r < kRows; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  if (c < cols) {
    const __mmask16 m = static_cast<__mmask16>((1u << (cols - c)) - 1);
    __m512 wv[kRows];
    for (size_t r = 0; r < kRows; ++r) wv[r] = _mm512_maskz_loadu_ps(m, w[r] + c);
    for (size_t t = 0; t < kInputs; ++t) {
      const __m512 xv = _mm512_maskz_loadu_ps(m, x[t] + c);
      for (size_t r = 0; r < kRows; ++r) acc[r][t] = _mm512_fmadd_ps(wv[r], xv, acc[r][t]);
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    for (size_t r = 0; r < rows; ++r) y[t * y_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

}  // namespace

// Rows [r0, r1) of y = x · Wᵀ for n float32 inputs x [n][cols].
void GemmF32Avx512(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1) {
  const size_t cols = w.cols;
  const size_t chunk = std::max(kRows, kChunkBytes / (cols * sizeof(float)) / kRows * kRows);
  std::vector<float> rows(chunk * cols);
  std::vector<float> zeros(cols, 0.f);
  for (size_t c0 = r0; c0 < r1; c0 += chunk) {
    const size_t c1 = std::min(r1, c0 + chunk);
    for (size_t r = c0; r < c1; ++r) w.RowToF32(r, rows.data() + (r - c0) * cols);
    for (size_t i0 = 0; i0 < n; i0 += kInputBlock) {
      const size_t i1 = std::min(n, i0 + kInputBlock);
      for (size_t r = c0; r < c1; r += kRows) {
        const float* wr[kRows];
        for (size_t j = 0; j < kRows; ++j) wr[j] = r + j < c1 ? rows.data() + (r + j - c0) * cols : zeros.data();
        for (size_t i = i0; i < i1; i += kInputs) {
          const float* xr[kInputs];
          for (size_t j = 0; j < kInputs; ++j) xr[j] = i + j < n ? x + (i + j) * cols : zeros.data();
          Tile(wr, xr, cols, y + i * w.rows + r, w.rows, std::min(kRows, c1 - r), std::min(kInputs, n - i));
        }
      }
    }
  }
}

}  // namespace gemmakit
