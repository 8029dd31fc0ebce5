// Prompt-sized (n ≥ 4 inputs) matmul for BF16 weights with AVX512_BF16: inputs are rounded to
// bf16 once per call (as llama.cpp does for bf16 weights) and vdpbf16ps multiplies 16 rows × 2
// weights against a pair of inputs broadcast from memory, summing in float32. Twice the products
// per instruction of the float32 kernel, at the cost of the inputs' rounding; models choose it
// with MatMulOptions, and the float32 kernel stays the default.
//
// Weights are repacked a cache-sized chunk at a time into 16-row panels [k pair][lane][2].
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/gemm_panels.h"

namespace gemmakit {
namespace {

constexpr size_t kLanes = 16;
constexpr size_t kInputs = 6;

size_t EvenCols(size_t cols) { return (cols + 1) / 2 * 2; }

void PackRows(const MatrixView& w, size_t r0, size_t n_rows, std::vector<uint32_t>& panels) {
  const size_t pairs = EvenCols(w.cols) / 2, n_panels = (n_rows + kLanes - 1) / kLanes;
  panels.assign(n_panels * pairs * kLanes, 0);
  for (size_t j = 0; j < n_rows; ++j) {
    const uint16_t* row = static_cast<const uint16_t*>(w.data) + (r0 + j) * w.cols;
    uint32_t* dst = panels.data() + (j / kLanes) * pairs * kLanes + j % kLanes;
    size_t k = 0;
    for (; k + 1 < w.cols; k += 2) dst[(k / 2) * kLanes] = row[k] | static_cast<uint32_t>(row[k + 1]) << 16;
    if (k < w.cols) dst[(k / 2) * kLanes] = row[k];
  }
}

template <size_t kPanels>
void Tile(const uint32_t* const w[kPanels], const uint32_t* x, size_t pairs, size_t inputs, float* y,
          size_t y_stride, const __mmask16 row_mask[kPanels]) {
  __m512 acc[kPanels][kInputs];
  for (auto& a : acc) {
    for (auto& v : a) v = _mm512_setzero_ps();
  }
  const uint32_t* xt[kInputs];
  for (size_t t = 0; t < kInputs; ++t) xt[t] = x + std::min(t, inputs - 1) * pairs;  // spare lanes repeat an input
  for (size_t k = 0; k < pairs; ++k) {
    __m512bh wv[kPanels];
    for (size_t p = 0; p < kPanels; ++p) wv[p] = (__m512bh)_mm512_loadu_si512(w[p] + k * kLanes);
    for (size_t t = 0; t < kInputs; ++t) {
      const __m512bh xv = (__m512bh)_mm512_set1_epi32(static_cast<int>(xt[t][k]));
      for (size_t p = 0; p < kPanels; ++p) acc[p][t] = _mm512_dpbf16_ps(acc[p][t], wv[p], xv);
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    for (size_t p = 0; p < kPanels; ++p) _mm512_mask_storeu_ps(y + t * y_stride + p * kLanes, row_mask[p], acc[p][t]);
  }
}

}  // namespace

void PackInputsBF16(const float* x, size_t n, size_t cols, std::vector<uint16_t>& out) {
  const size_t even = EvenCols(cols);
  out.assign(n * even, 0);
  for (size_t i = 0; i < n; ++i) {
    const float* src = x + i * cols;
    uint16_t* dst = out.data() + i * even;
    size_t k = 0;
    for (; k + 16 <= cols; k += 16) {
      const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + k));
      std::memcpy(dst + k, &v, sizeof v);
    }
    for (; k < cols; ++k) dst[k] = F32ToBF16(src[k]);
  }
}

// Rows [r0, r1) of y = x · Wᵀ for n inputs packed by PackInputsBF16.
void GemmBF16Avx512(const MatrixView& w, const uint16_t* x_bf16, size_t n, float* y, size_t r0, size_t r1) {
  const size_t pairs = EvenCols(w.cols) / 2;
  const size_t chunk_rows = std::max<size_t>(2 * kLanes, (256 * 1024 / (pairs * 4)) / (2 * kLanes) * (2 * kLanes));
  const uint32_t* x = reinterpret_cast<const uint32_t*>(x_bf16);
  std::vector<uint32_t> panels;
  for (size_t c0 = r0; c0 < r1; c0 += chunk_rows) {
    const size_t c1 = std::min(r1, c0 + chunk_rows), n_rows = c1 - c0;
    PackRows(w, c0, n_rows, panels);
    const size_t n_panels = (n_rows + kLanes - 1) / kLanes;
    for (size_t i = 0; i < n; i += kInputs) {
      const size_t inputs = std::min(kInputs, n - i);
      for (size_t p = 0; p < n_panels; p += 2) {
        const size_t count = std::min<size_t>(2, n_panels - p);
        const uint32_t* wp[2];
        __mmask16 mask[2];
        for (size_t k = 0; k < count; ++k) {
          wp[k] = panels.data() + (p + k) * pairs * kLanes;
          mask[k] = static_cast<__mmask16>((1u << std::min(kLanes, n_rows - (p + k) * kLanes)) - 1);
        }
        float* out = y + i * w.rows + c0 + p * kLanes;
        if (count == 2) {
          Tile<2>(wp, x + i * pairs, pairs, inputs, out, w.rows, mask);
        } else {
          Tile<1>(wp, x + i * pairs, pairs, inputs, out, w.rows, mask);
        }
      }
    }
  }
}

}  // namespace gemmakit
