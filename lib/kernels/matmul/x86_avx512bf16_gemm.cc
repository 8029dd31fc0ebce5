// The vdpbf16ps kernel behind GemmBF16 (kernels/bf16_gemm.h). A register tile multiplies P panels
// (16 rows each, loaded as vectors) by I inputs (a bf16 pair broadcast from memory), P × I
// accumulators in float32. Column pairs go in blocks of at most kBlockPairs, so the tile's panel
// slice stays in L2 while every input streams past it; later blocks add to the stored sums.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "kernels/bf16_gemm.h"
#include "kernels/matmul/gemm_panels.h"

namespace gemmakit {
namespace {

constexpr size_t kLanes = kBF16PanelLanes;
constexpr size_t kBlockPairs = 512;

template <size_t P, size_t I>
void Tile(const uint32_t* w, size_t panel_stride, const uint32_t* x, size_t x_stride, size_t k0, size_t k1,
          size_t inputs, float* y, size_t ldy, const __mmask16* mask, bool accumulate) {
  __m512 acc[P][I];
  const uint32_t* xt[I];
#pragma GCC unroll 16
  for (size_t t = 0; t < I; ++t) xt[t] = x + std::min(t, inputs - 1) * x_stride;  // spare lanes repeat an input
#pragma GCC unroll 16
  for (size_t t = 0; t < I; ++t) {
#pragma GCC unroll 4
    for (size_t p = 0; p < P; ++p) {
      acc[p][t] = accumulate && t < inputs ? _mm512_maskz_loadu_ps(mask[p], y + t * ldy + p * kLanes)
                                           : _mm512_setzero_ps();
    }
  }
  for (size_t k = k0; k < k1; ++k) {
    __m512bh wv[P];
#pragma GCC unroll 4
    for (size_t p = 0; p < P; ++p) wv[p] = (__m512bh)_mm512_loadu_si512(w + p * panel_stride + k * kLanes);
#pragma GCC unroll 16
    for (size_t t = 0; t < I; ++t) {
      const __m512bh xv = (__m512bh)_mm512_set1_epi32(static_cast<int>(xt[t][k]));
#pragma GCC unroll 4
      for (size_t p = 0; p < P; ++p) acc[p][t] = _mm512_dpbf16_ps(acc[p][t], wv[p], xv);
    }
  }
#pragma GCC unroll 16
  for (size_t t = 0; t < I; ++t) {
    if (t >= inputs) break;
#pragma GCC unroll 4
    for (size_t p = 0; p < P; ++p) _mm512_mask_storeu_ps(y + t * ldy + p * kLanes, mask[p], acc[p][t]);
  }
}

// All n inputs against panels [p, p + P), column pairs [k0, k1).
template <size_t P, size_t I>
void PanelGroup(const BF16Panels& w, size_t p, const uint32_t* x, size_t n, float* y, size_t ldy, size_t k0,
                size_t k1) {
  __mmask16 mask[P];
  for (size_t j = 0; j < P; ++j) {
    const size_t valid = std::min(kLanes, w.rows - (p + j) * kLanes);
    mask[j] = static_cast<__mmask16>((1u << valid) - 1);
  }
  const size_t panel_stride = w.pairs * kLanes;
  for (size_t i = 0; i < n; i += I) {
    Tile<P, I>(w.panel(p), panel_stride, x + i * w.pairs, w.pairs, k0, k1, std::min(I, n - i),
               y + i * ldy + p * kLanes, ldy, mask, k0 > 0);
  }
}

}  // namespace

void PackInputPairsAvx512(const float* x, size_t n, size_t cols, size_t stride, uint32_t* out) {
  const size_t pairs = BF16Pairs(cols);
  for (size_t i = 0; i < n; ++i) {
    const float* src = x + i * stride;
    uint16_t* dst = reinterpret_cast<uint16_t*>(out + i * pairs);
    size_t c = 0;
    for (; c + 16 <= cols; c += 16) {
      const __m256bh v = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + c));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + c), (__m256i)v);
    }
    if (c < cols) {
      const __mmask16 m = static_cast<__mmask16>((1u << (cols - c)) - 1);
      const __m256bh v = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + c));
      _mm256_mask_storeu_epi16(dst + c, m, (__m256i)v);
    }
    if (cols % 2) dst[cols] = 0;
  }
}

void GemmBF16PanelsAvx512(const BF16Panels& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y,
                          size_t ldy) {
  if (n == 0 || w.pairs == 0) return;
  const size_t blocks = (w.pairs + kBlockPairs - 1) / kBlockPairs;
  const size_t block = (w.pairs + blocks - 1) / blocks;
  for (size_t k0 = 0; k0 < w.pairs; k0 += block) {
    const size_t k1 = std::min(w.pairs, k0 + block);
    size_t p = p0;
    for (; p + 4 <= p1; p += 4) PanelGroup<4, 6>(w, p, x, n, y, ldy, k0, k1);
    if (p1 - p == 3) PanelGroup<3, 8>(w, p, x, n, y, ldy, k0, k1);
    if (p1 - p == 2) PanelGroup<2, 12>(w, p, x, n, y, ldy, k0, k1);
    if (p1 - p == 1) PanelGroup<1, 12>(w, p, x, n, y, ldy, k0, k1);
  }
}

}  // namespace gemmakit
