// The vdpbf16ps kernel behind GemmBF16 (kernels/bf16_gemm.h). A register tile multiplies P panels
// (16 rows each, loaded as vectors) by I inputs (a bf16 pair broadcast from memory), P × I
// accumulators in float32. Column pairs go in blocks (later blocks add to the stored sums).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "kernels/bf16_gemm.h"
#include "kernels/matmul/gemm_panels.h"

namespace gemmakit {
namespace {

constexpr size_t kLanes = kBF16PanelLanes;
constexpr size_t kL2BlockBytes = 512 * 1024;
constexpr size_t kPrefetchElems = 256;  // 512 bytes ahead in each row

template <size_t P, size_t I>
void Tile(const uint32_t* w, size_t panel_stride, const uint32_t* x, size_t x_stride, size_t k0, size_t k1,
          size_t inputs, float* y, size_t ldy, const __mmask16* mask, bool accumulate) {
  __m512 acc[P][I];
  const uint32_t* xt[I];
#pragma GCC unroll 16
  for (size_t t = 0; t < I; ++t) xt[t] = x + std::min(t, inputs - 1) * x_stride;  // spare lanes repeat an input
#pragma GCC unroll 16
  for (size_t t = 0; t < I; ++t) {
#pragma GCC unroll 5
    for (size_t p = 0; p < P; ++p) {
      acc[p][t] = accumulate && t < inputs ? _mm512_maskz_loadu_ps(mask[p], y + t * ldy + p * kLanes)
                                           : _mm512_setzero_ps();
    }
  }
  for (size_t k = k0; k < k1; ++k) {
    __m512bh wv[P];
#pragma GCC unroll 5
    for (size_t p = 0; p < P; ++p) wv[p] = (__m512bh)_mm512_loadu_si512(w + p * panel_stride + k * kLanes);
#pragma GCC unroll 16
    for (size_t t = 0; t < I; ++t) {
      const __m512bh xv = (__m512bh)_mm512_set1_epi32(static_cast<int>(xt[t][k]));
#pragma GCC unroll 5
      for (size_t p = 0; p < P; ++p) acc[p][t] = _mm512_dpbf16_ps(acc[p][t], wv[p], xv);
    }
  }
#pragma GCC unroll 16
  for (size_t t = 0; t < I; ++t) {
    if (t >= inputs) break;
#pragma GCC unroll 5
    for (size_t p = 0; p < P; ++p) _mm512_mask_storeu_ps(y + t * ldy + p * kLanes, mask[p], acc[p][t]);
  }
}

template <size_t P>
void Masks(const BF16PanelsView& w, size_t p, __mmask16* mask) {
  for (size_t j = 0; j < P; ++j) {
    const size_t valid = std::min(kLanes, w.rows - (p + j) * kLanes);
    mask[j] = static_cast<__mmask16>((1u << valid) - 1);
  }
}

// Inputs [i, i + inputs) against panels [p, p + P), column pairs [k0, k1).
template <size_t P, size_t I>
void TileAt(const BF16PanelsView& w, size_t p, const uint32_t* x, size_t i, size_t inputs, float* y, size_t ldy,
            size_t k0, size_t k1) {
  __mmask16 mask[P];
  Masks<P>(w, p, mask);
  Tile<P, I>(w.panel(p), w.panel_words(), x + i * w.pairs, w.pairs, k0, k1, inputs, y + i * ldy + p * kLanes, ldy,
             mask, k0 > 0);
}

// Panels [p, p + P) past the last whole group of four, against every input.
template <size_t P, size_t I>
void TailPanels(const BF16PanelsView& w, size_t p, const uint32_t* x, size_t n, float* y, size_t ldy, size_t k0,
                size_t k1) {
  for (size_t i = 0; i < n; i += I) TileAt<P, I>(w, p, x, i, std::min(I, n - i), y, ldy, k0, k1);
}

template <size_t I>
void SmallBatch(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, float* y, size_t ldy) {
  size_t p = p0;
  for (; p + 4 <= p1; p += 4) TileAt<4, I>(w, p, x, 0, I, y, ldy, 0, w.pairs);
  for (; p < p1; ++p) TileAt<1, I>(w, p, x, 0, I, y, ldy, 0, w.pairs);
}

}  // namespace

namespace {

// out[k] = word k of each of the 16 rows: a 16 × 16 transpose of 32-bit words in four shuffle
// stages (pairs of words, pairs of pairs, then 128-bit lanes twice).
void Transpose16x16(const __m512i r[16], __m512i out[16]) {
  __m512i t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  // u[4j + m]: rows 4j..4j+3, and in 128-bit lane L the word k = 4L + m.
  for (int j = 0; j < 4; ++j) {
    u[4 * j] = _mm512_unpacklo_epi64(t[4 * j], t[4 * j + 2]);
    u[4 * j + 1] = _mm512_unpackhi_epi64(t[4 * j], t[4 * j + 2]);
    u[4 * j + 2] = _mm512_unpacklo_epi64(t[4 * j + 1], t[4 * j + 3]);
    u[4 * j + 3] = _mm512_unpackhi_epi64(t[4 * j + 1], t[4 * j + 3]);
  }
  for (int m = 0; m < 4; ++m) {
    const __m512i v0 = _mm512_shuffle_i32x4(u[m], u[4 + m], _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i v1 = _mm512_shuffle_i32x4(u[m], u[4 + m], _MM_SHUFFLE(3, 2, 3, 2));
    const __m512i v2 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], _MM_SHUFFLE(1, 0, 1, 0));
    const __m512i v3 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], _MM_SHUFFLE(3, 2, 3, 2));
    out[m] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(2, 0, 2, 0));
    out[4 + m] = _mm512_shuffle_i32x4(v0, v2, _MM_SHUFFLE(3, 1, 3, 1));
    out[8 + m] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(2, 0, 2, 0));
    out[12 + m] = _mm512_shuffle_i32x4(v1, v3, _MM_SHUFFLE(3, 1, 3, 1));
  }
}

}  // namespace

// Row-major bf16 rows are 16 × 16 blocks of column-pair words; the panel layout is their
// transpose, done in registers from sequential loads (a gather per word pair was 5x slower).
void PackPanelsFromBF16Avx512(const uint16_t* src, size_t rows, size_t cols, uint32_t* out) {
  const size_t pairs = BF16Pairs(cols);
  for (size_t p = 0; p < BF16PanelCount(rows); ++p) {
    const size_t valid = std::min(kLanes, rows - p * kLanes);
    uint32_t* dst = out + p * pairs * kLanes;
    for (size_t k0 = 0; k0 < pairs; k0 += kLanes) {
      const size_t elems = std::min<size_t>(2 * kLanes, cols - 2 * k0);
      const __mmask32 m = elems == 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << elems) - 1);
      __m512i r[16], t[16];
      for (size_t l = 0; l < kLanes; ++l) {
        const uint16_t* row = src + (p * kLanes + l) * cols + 2 * k0;
        // Sixteen rows at once are more streams than the hardware prefetcher follows.
        if (l < valid && 2 * k0 + kPrefetchElems < cols) _mm_prefetch(reinterpret_cast<const char*>(row + kPrefetchElems), _MM_HINT_T0);
        r[l] = l < valid ? _mm512_maskz_loadu_epi16(m, row) : _mm512_setzero_si512();
      }
      Transpose16x16(r, t);
      const size_t words = std::min(kLanes, pairs - k0);
      for (size_t k = 0; k < words; ++k) _mm512_storeu_si512(dst + (k0 + k) * kLanes, t[k]);
    }
  }
}

// Row-major float rows (attention's keys): 16 rows × 32 columns converted to bf16 pairs, then the
// same transpose as bf16 rows.
void PackPanelsFromF32RowsAvx512(const float* src, size_t rows, size_t cols, size_t row_stride, uint32_t* out) {
  const size_t pairs = BF16Pairs(cols);
  for (size_t p = 0; p < BF16PanelCount(rows); ++p) {
    const size_t valid = std::min(kLanes, rows - p * kLanes);
    uint32_t* dst = out + p * pairs * kLanes;
    for (size_t k0 = 0; k0 < pairs; k0 += kLanes) {
      const size_t elems = std::min<size_t>(2 * kLanes, cols - 2 * k0);
      const __mmask16 m_lo = static_cast<__mmask16>(elems >= 16 ? 0xffffu : (1u << elems) - 1);
      const __mmask16 m_hi = static_cast<__mmask16>(elems >= 32 ? 0xffffu : elems > 16 ? (1u << (elems - 16)) - 1 : 0);
      __m512i r[16], t[16];
      for (size_t l = 0; l < kLanes; ++l) {
        if (l >= valid) {
          r[l] = _mm512_setzero_si512();
          continue;
        }
        const float* row = src + (p * kLanes + l) * row_stride + 2 * k0;
        r[l] = (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(m_hi, row + 16), _mm512_maskz_loadu_ps(m_lo, row));
      }
      Transpose16x16(r, t);
      const size_t words = std::min(kLanes, pairs - k0);
      for (size_t k = 0; k < words; ++k) _mm512_storeu_si512(dst + (k0 + k) * kLanes, t[k]);
    }
  }
}

// Column-major source (attention's Vᵀ: row r, column c at src[c * col_stride + r]): 16 rows of one
// column are contiguous, so a panel's word pair is two loads, two converts and an interleave.
void PackPanelsFromF32ColumnsAvx512(const float* src, size_t rows, size_t cols, size_t col_stride, uint32_t* out) {
  const size_t pairs = BF16Pairs(cols);
  auto widen = [](__m512 v) { return _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(v)); };
  for (size_t p = 0; p < BF16PanelCount(rows); ++p) {
    const size_t valid = std::min(kLanes, rows - p * kLanes);
    const __mmask16 m = static_cast<__mmask16>((1u << valid) - 1);
    uint32_t* dst = out + p * pairs * kLanes;
    const float* base = src + p * kLanes;
    for (size_t k = 0; k < pairs; ++k) {
      const __m512i lo = widen(_mm512_maskz_loadu_ps(m, base + 2 * k * col_stride));
      const __m512i hi = 2 * k + 1 < cols ? widen(_mm512_maskz_loadu_ps(m, base + (2 * k + 1) * col_stride))
                                          : _mm512_setzero_si512();
      _mm512_storeu_si512(dst + k * kLanes, _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16)));
    }
  }
}

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

void GemmBF16PanelsAvx512(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y,
                          size_t ldy) {
  if (n == 0 || w.pairs == 0 || p1 <= p0) return;
  if (n <= 3) {
    // Decode: a register tile as wide as the inputs, the whole row length in one pass.
    switch (n) {
      case 1: return SmallBatch<1>(w, p0, p1, x, y, ldy);
      case 2: return SmallBatch<2>(w, p0, p1, x, y, ldy);
      default: return SmallBatch<3>(w, p0, p1, x, y, ldy);
    }
  }
  // Few inputs (attention's query blocks): they stay in cache whole, so each group of four panels
  // is loaded once and meets every input. Many inputs (a prompt): column blocks small enough that
  // the block of every panel stays in L2 while each group of inputs (in L1) passes over all of
  // them, so the inputs stream from memory once per block rather than once per panel group.
  const bool panels_outer = n * w.pairs * sizeof(uint32_t) <= kL2BlockBytes / 2;
  const size_t panel_block_bytes = (panels_outer ? 4 : p1 - p0) * kLanes * sizeof(uint32_t);
  const size_t max_pairs = std::max<size_t>(32, kL2BlockBytes / panel_block_bytes);
  const size_t blocks = (w.pairs + max_pairs - 1) / max_pairs;
  const size_t block = (w.pairs + blocks - 1) / blocks;
  const size_t whole_end = p0 + (p1 - p0) / 4 * 4;
  if (p1 - p0 == 5) {
    // Five panels (a 72-wide head's Vᵀ): one tile of 5 × 4 beats a tile of four plus a narrow one.
    for (size_t k0 = 0; k0 < w.pairs; k0 += block) {
      const size_t k1 = std::min(w.pairs, k0 + block);
      for (size_t i = 0; i < n; i += 4) TileAt<5, 4>(w, p0, x, i, std::min<size_t>(4, n - i), y, ldy, k0, k1);
    }
    return;
  }
  for (size_t k0 = 0; k0 < w.pairs; k0 += block) {
    const size_t k1 = std::min(w.pairs, k0 + block);
    if (panels_outer) {
      for (size_t p = p0; p < whole_end; p += 4) {
        for (size_t i = 0; i < n; i += 6) TileAt<4, 6>(w, p, x, i, std::min<size_t>(6, n - i), y, ldy, k0, k1);
      }
    } else if (whole_end > p0) {
      for (size_t i = 0; i < n; i += 6) {
        const size_t inputs = std::min<size_t>(6, n - i);
        for (size_t p = p0; p < whole_end; p += 4) TileAt<4, 6>(w, p, x, i, inputs, y, ldy, k0, k1);
      }
    }
    switch (p1 - whole_end) {
      case 3: TailPanels<3, 8>(w, whole_end, x, n, y, ldy, k0, k1); break;
      case 2: TailPanels<2, 12>(w, whole_end, x, n, y, ldy, k0, k1); break;
      case 1: TailPanels<1, 12>(w, whole_end, x, n, y, ldy, k0, k1); break;
      default: break;
    }
  }
}

}  // namespace gemmakit
