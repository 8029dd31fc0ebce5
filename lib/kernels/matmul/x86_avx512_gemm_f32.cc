// Prompt-sized (n ≥ 4 inputs) matmul in float32 for weights of any type. A cache-sized chunk of
// rows is converted to float32 (exact for F32/F16/BF16, dequantized for K-quants) into 16-row
// panels [k][lane]; each FMA then multiplies 16 rows by one input value broadcast from memory, and
// a panel's 16 sums are 16 adjacent outputs, so no horizontal reductions. Activations stay float32
// and each output is a plain sequential sum over k, the reference's order.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/matmul/gemm_panels.h"

namespace gemmakit {
namespace {

constexpr size_t kLanes = 16;
constexpr size_t kInputs = 6;

void PackRows(const MatrixView& w, size_t r0, size_t n_rows, std::vector<float>& row, std::vector<float>& panels) {
  const size_t cols = w.cols, n_panels = (n_rows + kLanes - 1) / kLanes;
  panels.assign(n_panels * cols * kLanes, 0.f);
  row.resize(cols);
  for (size_t j = 0; j < n_rows; ++j) {
    w.RowToF32(r0 + j, row.data());
    float* dst = panels.data() + (j / kLanes) * cols * kLanes + j % kLanes;
    for (size_t k = 0; k < cols; ++k) dst[k * kLanes] = row[k];
  }
}

template <size_t kPanels>
void Tile(const float* const w[kPanels], const float* x, size_t cols, size_t inputs, float* y, size_t y_stride,
          const __mmask16 row_mask[kPanels]) {
  __m512 acc[kPanels][kInputs];
  for (auto& a : acc) {
    for (auto& v : a) v = _mm512_setzero_ps();
  }
  const float* xt[kInputs];
  for (size_t t = 0; t < kInputs; ++t) xt[t] = x + std::min(t, inputs - 1) * cols;  // spare lanes repeat an input
  for (size_t k = 0; k < cols; ++k) {
    __m512 wv[kPanels];
    for (size_t p = 0; p < kPanels; ++p) wv[p] = _mm512_loadu_ps(w[p] + k * kLanes);
    for (size_t t = 0; t < kInputs; ++t) {
      const __m512 xv = _mm512_set1_ps(xt[t][k]);
      for (size_t p = 0; p < kPanels; ++p) acc[p][t] = _mm512_fmadd_ps(wv[p], xv, acc[p][t]);
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    for (size_t p = 0; p < kPanels; ++p) _mm512_mask_storeu_ps(y + t * y_stride + p * kLanes, row_mask[p], acc[p][t]);
  }
}

}  // namespace

// Rows [r0, r1) of y = x · Wᵀ for n float32 inputs x [n][cols].
void GemmF32Avx512(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1) {
  const size_t cols = w.cols;
  const size_t chunk_rows = std::max<size_t>(2 * kLanes, (192 * 1024 / (cols * sizeof(float))) / (2 * kLanes) * (2 * kLanes));
  std::vector<float> row, panels;
  for (size_t c0 = r0; c0 < r1; c0 += chunk_rows) {
    const size_t c1 = std::min(r1, c0 + chunk_rows), n_rows = c1 - c0;
    PackRows(w, c0, n_rows, row, panels);
    const size_t n_panels = (n_rows + kLanes - 1) / kLanes;
    for (size_t i = 0; i < n; i += kInputs) {
      const size_t inputs = std::min(kInputs, n - i);
      for (size_t p = 0; p < n_panels; p += 2) {
        const size_t count = std::min<size_t>(2, n_panels - p);
        const float* wp[2];
        __mmask16 mask[2];
        for (size_t k = 0; k < count; ++k) {
          wp[k] = panels.data() + (p + k) * cols * kLanes;
          mask[k] = static_cast<__mmask16>((1u << std::min(kLanes, n_rows - (p + k) * kLanes)) - 1);
        }
        float* out = y + i * w.rows + c0 + p * kLanes;
        if (count == 2) {
          Tile<2>(wp, x + i * cols, cols, inputs, out, w.rows, mask);
        } else {
          Tile<1>(wp, x + i * cols, cols, inputs, out, w.rows, mask);
        }
      }
    }
  }
}

}  // namespace gemmakit
