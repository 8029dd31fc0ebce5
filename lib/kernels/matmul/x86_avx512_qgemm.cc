// Q5_0 / Q5_1 micro-kernels for AVX-512 VNNI (contract: ukernels.h) on the GGUF blocks in place:
// the AVX2 8-row tile (x86_avx2_qgemm_tiles.h, TileRows8) widened to 16 rows, so that one
// vpdpbusd multiplies 16 rows by 4 weights. Per block, 16 rows' 16 quant bytes are transposed in
// registers (four rows per 128-bit lane, then dword unpacks) so that 32-bit lane r holds 4 quant
// bytes of row r; the 16 rows' fifth-bit words (one gather) become 0x10 bytes through a 16-entry
// dword table (vpermd on each 4-bit group), OR-ed into the nibbles: unsigned q in [0, 31] against
// the signed activations, exact int32 sums; Q5_0's offset (q - 16) and Q5_1's minimum come in
// through the activation block's sum, as on AVX2. Decode of Q5_1, and of Q5_0 matrices not
// repacked at load (repacked ones take the 8-row panels, x86_avx512_rows8_panels_qgemm.cc: the
// transposes and gathers here leave this kernel compute-bound); prompts run the affine u8 panels.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "kernels/matmul/qgemm_by_inputs.h"
#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

struct Q5_0Format {
  using Block = BlockQ5_0;
  static constexpr bool kHasMin = false;
  static constexpr int kOffset = 16;
};
struct Q5_1Format {
  using Block = BlockQ5_1;
  static constexpr bool kHasMin = true;
  static constexpr int kOffset = 0;
};

constexpr size_t kRows = 16;

// Dword v of the table: byte i = 0x10 where bit i of v is set (v < 16).
inline __m512i FifthBitTable() {
  alignas(64) int32_t t[16];
  for (int v = 0; v < 16; ++v) {
    uint32_t word = 0;
    for (int i = 0; i < 4; ++i) word |= ((v >> i) & 1u) << (8 * i + 4);
    t[v] = static_cast<int32_t>(word);
  }
  return _mm512_load_si512(t);
}

// 16 rows × kN inputs; rows past `rows` repeat row 0 and are not stored.
template <typename F, size_t kN>
void Tile16(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  using Block = typename F::Block;
  constexpr size_t kBlock = sizeof(Block);
  // Decode streams the weights once: prefetch the next call's rows a line per row every 64 bytes.
  constexpr bool kPrefetch = kN < 4;
  constexpr size_t kPrefetchEvery = 64 / kBlock;
  const uint8_t* row[kRows];
  for (size_t r = 0; r < kRows; ++r) row[r] = w + (r < rows ? r : 0) * stride;
  alignas(64) int32_t offsets[kRows];
  for (size_t r = 0; r < kRows; ++r) offsets[r] = static_cast<int32_t>(row[r] - row[0]);
  const __m512i row_offsets = _mm512_load_si512(offsets);
  const __m512i table = FifthBitTable(), low = _mm512_set1_epi8(0x0F), nibble = _mm512_set1_epi32(0x0F);
  __m512 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm512_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const size_t off = b * kBlock;
    if (kPrefetch && b % kPrefetchEvery == 0) {
      for (size_t r = 0; r < kRows; ++r) _mm_prefetch(reinterpret_cast<const char*>(row[r] + off + kRows * stride), _MM_HINT_T0);
    }
    // v[j]: rows j, j + 4, j + 8, j + 12 in 128-bit lanes 0..3.
    __m512i v[4];
    for (size_t j = 0; j < 4; ++j) {
      auto qs = [&](size_t r) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[r] + off + offsetof(Block, qs))); };
      v[j] = _mm512_inserti32x4(_mm512_castsi128_si512(qs(j)), qs(j + 4), 1);
      v[j] = _mm512_inserti32x4(v[j], qs(j + 8), 2);
      v[j] = _mm512_inserti32x4(v[j], qs(j + 12), 3);
    }
    const __m512i t0 = _mm512_unpacklo_epi32(v[0], v[1]), t1 = _mm512_unpackhi_epi32(v[0], v[1]);
    const __m512i t2 = _mm512_unpacklo_epi32(v[2], v[3]), t3 = _mm512_unpackhi_epi32(v[2], v[3]);
    // g[k]: dword k (elements 4k..4k+3 low, 16+4k.. high nibbles) of rows 0-15, lane r = row r.
    const __m512i g[4] = {_mm512_unpacklo_epi64(t0, t2), _mm512_unpackhi_epi64(t0, t2), _mm512_unpacklo_epi64(t1, t3),
                          _mm512_unpackhi_epi64(t1, t3)};
    const __m512i qh = _mm512_i32gather_epi32(row_offsets, row[0] + off + offsetof(Block, qh), 1);
    __m512i lo[4], hi[4];
    for (size_t k = 0; k < 4; ++k) {
      const __m512i bits_lo = _mm512_and_si512(_mm512_srli_epi32(qh, static_cast<unsigned>(4 * k)), nibble);
      const __m512i bits_hi = _mm512_and_si512(_mm512_srli_epi32(qh, static_cast<unsigned>(16 + 4 * k)), nibble);
      lo[k] = _mm512_or_si512(_mm512_and_si512(g[k], low), _mm512_permutexvar_epi32(bits_lo, table));
      hi[k] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(g[k], 4), low), _mm512_permutexvar_epi32(bits_hi, table));
    }
    // Scales (and Q5_1's minimums): the first dword of each row's block holds d (and m).
    const __m512i head = _mm512_i32gather_epi32(row_offsets, row[0] + off, 1);
    const __m512 dw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(head));
    __m512 mw = _mm512_setzero_ps();
    if constexpr (F::kHasMin) mw = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(_mm512_srli_epi32(head, 16)));
    for (size_t i = 0; i < kN; ++i) {
      const BlockQ8Act& xb = x[i * nb + b];
      __m512i s0 = _mm512_setzero_si512(), s1 = _mm512_setzero_si512();
      for (size_t k = 0; k < 4; ++k) {
        int32_t xl, xh;
        std::memcpy(&xl, xb.qs + 4 * k, 4);
        std::memcpy(&xh, xb.qs + 16 + 4 * k, 4);
        s0 = _mm512_dpbusd_epi32(s0, lo[k], _mm512_set1_epi32(xl));
        s1 = _mm512_dpbusd_epi32(s1, hi[k], _mm512_set1_epi32(xh));
      }
      const __m512 sums = _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1));
      if constexpr (F::kHasMin) {
        acc[i] = _mm512_fmadd_ps(_mm512_mul_ps(sums, _mm512_set1_ps(xb.d)), dw, acc[i]);
        acc[i] = _mm512_fmadd_ps(mw, _mm512_set1_ps(xb.dsum), acc[i]);
      } else {
        const __m512 t = _mm512_fmadd_ps(sums, _mm512_set1_ps(xb.d), _mm512_set1_ps(-F::kOffset * xb.dsum));
        acc[i] = _mm512_fmadd_ps(t, dw, acc[i]);
      }
    }
  }
  const __mmask16 mask = static_cast<__mmask16>((1u << rows) - 1);
  for (size_t i = 0; i < kN; ++i) _mm512_mask_storeu_ps(y + i * ldy, mask, acc[i]);
}

template <typename F>
constexpr QGemmFn kGemm16x4 = QGemmByInputs<Tile16<F, 1>, Tile16<F, 2>, Tile16<F, 3>, Tile16<F, 4>>;

}  // namespace

extern const QGemmUkernel kQ5_0Q8_0Gemm16x4Avx512 = {"q5_0_q8_0_gemm_16x4__avx512vnni", DType::kQ5_0, ActQuant::kQ8_0,
                                                     Isa::kAvx512, 16, 4, kGemm16x4<Q5_0Format>};
extern const QGemmUkernel kQ5_1Q8_0Gemm16x4Avx512 = {"q5_1_q8_0_gemm_16x4__avx512vnni", DType::kQ5_1, ActQuant::kQ8_0,
                                                     Isa::kAvx512, 16, 4, kGemm16x4<Q5_1Format>};

}  // namespace gemmakit
