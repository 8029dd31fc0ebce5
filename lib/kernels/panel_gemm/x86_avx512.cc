// The AVX-512 tile of PanelGemm: 4 rows of A × 64 columns of B in 16 accumulators; each step of
// the reduction loads 4 vectors of B and broadcasts 4 elements of A.
#include <immintrin.h>

#include <algorithm>

#include "kernels/panel_gemm.h"

namespace gemmakit {
namespace {

constexpr size_t kTileRows = 4, kTileVecs = 4;

template <size_t kRowsHere>
void Tile(const PanelGemmArgs& g, size_t i0, size_t j0, const __mmask16 (&mask)[kTileVecs]) {
  __m512 acc[kRowsHere][kTileVecs];
  for (auto& r : acc) {
    for (auto& v : r) v = _mm512_setzero_ps();
  }
  const float* a[kRowsHere];
  for (size_t r = 0; r < kRowsHere; ++r) a[r] = g.a + (i0 + r) * g.lda;
  for (size_t d = 0; d < g.k; ++d) {
    const float* brow = g.b + d * g.ldb + j0;
    __m512 b[kTileVecs];
    for (size_t v = 0; v < kTileVecs; ++v) b[v] = _mm512_maskz_loadu_ps(mask[v], brow + 16 * v);
    for (size_t r = 0; r < kRowsHere; ++r) {
      const __m512 av = _mm512_set1_ps(a[r][d]);
      for (size_t v = 0; v < kTileVecs; ++v) acc[r][v] = _mm512_fmadd_ps(av, b[v], acc[r][v]);
    }
  }
  for (size_t r = 0; r < kRowsHere; ++r) {
    float* c = g.c + (i0 + r) * g.ldc + j0;
    for (size_t v = 0; v < kTileVecs; ++v) _mm512_mask_storeu_ps(c + 16 * v, mask[v], acc[r][v]);
  }
}

}  // namespace

void PanelGemmAvx512(const PanelGemmArgs& g, size_t row0, size_t row1) {
  // Columns outer: a 64-column panel of B (k × 256 bytes) stays in L1/L2 while every row passes.
  for (size_t j0 = 0; j0 < g.n; j0 += 16 * kTileVecs) {
    __mmask16 mask[kTileVecs];
    for (size_t v = 0; v < kTileVecs; ++v) {
      const size_t begin = j0 + 16 * v;
      const size_t left = begin < g.n ? std::min<size_t>(16, g.n - begin) : 0;
      mask[v] = static_cast<__mmask16>(left == 16 ? 0xffffu : (1u << left) - 1u);
    }
    size_t i = row0;
    for (; i + kTileRows <= row1; i += kTileRows) Tile<kTileRows>(g, i, j0, mask);
    for (; i < row1; ++i) Tile<1>(g, i, j0, mask);
  }
}

}  // namespace gemmakit
