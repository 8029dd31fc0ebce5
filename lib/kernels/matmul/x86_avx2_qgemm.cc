// Integer micro-kernels for AVX2 (contract: ukernels.h): Q8_0 / Q4_0 weight rows read in place in
// their GGUF blocks, against up to 4 inputs quantized to BlockQ8Act. Each weight block is loaded
// once per call and dotted with every input.
//
// q8_0_q8_0_gemm_4x4__avx2: the 4 rows' sums of one input are folded by horizontal adds into one
// register (lanes 0-3: rows 0-3 over elements 0-15, lanes 4-7: the same rows over elements 16-31),
// so a block costs one convert and one FMA per input for all 4 rows, and the 4 rows' f16 scales
// one convert. The sums are exact: vpmaddubsw multiplies unsigned by signed bytes and saturates its
// pair sums to int16; |w| (≤ 128, -128 read as 0x80 = 128 unsigned) times x with w's sign (|x| ≤
// 127: activations are quantized to ±127) keeps each pair sum within 2 × 128 × 127 = 32512, and
// vpmaddwd sums in int32 before the horizontal adds.
//
// q4_0_q8_0_gemm_8x4__avx2: 8 rows' blocks transposed in registers (8 unpacks per block, shared by
// the inputs) so that each register holds 4 quant bytes of every row, one row per 32-bit lane, as
// the AVX-512 panels are laid out at load; then 4 input bytes broadcast to every lane multiply all 8
// rows at once. The nibbles (0..15) times x add up in int16 over a whole block (each lane at most
// 4 × 2 × 2 × 15 × 127 = 30480), vpmaddwd gives lane r = row r's sum: no horizontal adds. The
// stored offset (nibble - 8) is applied in float: -8 · d_x · Σq_x (BlockQ8Act::dsum).
//
// Decode (1-3 inputs) is bound by memory: the kernels prefetch the next call's rows (the operator
// hands consecutive rows to consecutive calls) in step with the ones they read.
#include <immintrin.h>

#include <cstring>

#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

constexpr size_t kMR = 4, kNR = 4;

// The f16 scales of 4 blocks (rows) as floats, repeated in both 128-bit halves.
inline __m256 LoadScales(const uint8_t* const (&blk)[kMR]) {
  uint16_t d[kMR];
  for (size_t r = 0; r < kMR; ++r) std::memcpy(&d[r], blk[r], 2);
  const __m128 s = _mm_cvtph_ps(_mm_set_epi16(0, 0, 0, 0, static_cast<short>(d[3]), static_cast<short>(d[2]),
                                              static_cast<short>(d[1]), static_cast<short>(d[0])));
  return _mm256_set_m128(s, s);
}

// 4 rows × 1 input block: lane r (and r + 4) = the int32 sum of row r over elements 0-15 (16-31).
inline __m256i RowSums(const __m256i (&q)[kMR], const __m256i (&q_abs)[kMR], __m256i xq) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i s[kMR];
  for (size_t r = 0; r < kMR; ++r) {
    s[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(q_abs[r], _mm256_sign_epi8(xq, q[r])), ones);
  }
  return _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
}

// Rows [0, rows) (≤ 4) × kN inputs; rows past `rows` repeat row 0 and are not stored.
template <size_t kN>
void TileQ8x4(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  constexpr size_t kBlock = sizeof(BlockQ8_0);
  // Decode streams the weights once: prefetch the next call's rows a cache line per row every
  // 64 bytes of blocks.
  constexpr bool kPrefetch = kN < kNR;
  constexpr size_t kBlocksPerLine = 64 / kBlock;
  const uint8_t* row[kMR];
  for (size_t r = 0; r < kMR; ++r) row[r] = w + (r < rows ? r : 0) * stride;
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk[kMR];
    __m256i q[kMR], q_abs[kMR];
    for (size_t r = 0; r < kMR; ++r) {
      blk[r] = row[r] + b * kBlock;
      if (kPrefetch && b % kBlocksPerLine == 0) {
        _mm_prefetch(reinterpret_cast<const char*>(blk[r] + kMR * stride), _MM_HINT_T0);
      }
      q[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[r] + 2));
      q_abs[r] = _mm256_sign_epi8(q[r], q[r]);  // -128 stays 0x80: 128 as unsigned
    }
    const __m256 dw = LoadScales(blk);
    for (size_t i = 0; i < kN; ++i) {
      const BlockQ8Act& xb = x[i * nb + b];
      const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs));
      const __m256 sums = _mm256_cvtepi32_ps(RowSums(q, q_abs, xq));
      acc[i] = _mm256_fmadd_ps(sums, _mm256_mul_ps(dw, _mm256_set1_ps(xb.d)), acc[i]);
    }
  }
  for (size_t i = 0; i < kN; ++i) {
    const __m128 out = _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1));
    if (rows == kMR) {
      _mm_storeu_ps(y + i * ldy, out);
    } else {
      alignas(16) float tmp[kMR];
      _mm_store_ps(tmp, out);
      std::memcpy(y + i * ldy, tmp, rows * sizeof(float));
    }
  }
}

// Q4_0, 8 rows × kN inputs: the 8 rows' blocks transposed in registers so that each register holds
// 4 quant bytes (8 nibbles) of every row, one row per 32-bit lane; then 4 input bytes broadcast to
// every lane multiply all 8 rows at once (vpmaddubsw), a block's sums add up in int16 (each lane
// at most 4 × 2 × 2 × 15 × 127 = 30480) and lane r ends up as row r's sum: no horizontal adds.
template <size_t kN>
void TileQ4x8(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  constexpr size_t kRows = 8, kBlock = sizeof(BlockQ4_0);
  constexpr bool kPrefetch = kN < kNR;
  const uint8_t* row[kRows];
  for (size_t r = 0; r < kRows; ++r) row[r] = w + (r < rows ? r : 0) * stride;
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  const __m256i low = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  for (size_t b = 0; b < nb; ++b) {
    const size_t off = b * kBlock;
    if (kPrefetch && b % 3 == 0) {
      for (size_t r = 0; r < kRows; ++r) _mm_prefetch(reinterpret_cast<const char*>(row[r] + off + kRows * stride), _MM_HINT_T0);
    }
    // v[r]: row r's 16 quant bytes (4 dwords) in the low half, row r + 4's in the high half.
    __m256i v[4];
    for (size_t r = 0; r < 4; ++r) {
      v[r] = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(row[r + 4] + off + 2),
                                 reinterpret_cast<const __m128i*>(row[r] + off + 2));
    }
    const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
    // g[k]: dword k (elements 4k..4k+3 low, 16+4k.. high nibbles) of rows 0-7, lane r = row r.
    const __m256i g[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2), _mm256_unpacklo_epi64(t1, t3),
                          _mm256_unpackhi_epi64(t1, t3)};
    __m256i lo[4], hi[4];
    for (size_t k = 0; k < 4; ++k) {
      lo[k] = _mm256_and_si256(g[k], low);
      hi[k] = _mm256_and_si256(_mm256_srli_epi16(g[k], 4), low);
    }
    uint16_t d[kRows];
    for (size_t r = 0; r < kRows; ++r) std::memcpy(&d[r], row[r] + off, 2);
    const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d)));
    for (size_t i = 0; i < kN; ++i) {
      const BlockQ8Act& xb = x[i * nb + b];
      __m256i s16 = _mm256_setzero_si256();
      for (size_t k = 0; k < 4; ++k) {
        int32_t xl, xh;
        std::memcpy(&xl, xb.qs + 4 * k, 4);
        std::memcpy(&xh, xb.qs + 16 + 4 * k, 4);
        s16 = _mm256_add_epi16(s16, _mm256_add_epi16(_mm256_maddubs_epi16(lo[k], _mm256_set1_epi32(xl)),
                                                     _mm256_maddubs_epi16(hi[k], _mm256_set1_epi32(xh))));
      }
      const __m256 sums = _mm256_cvtepi32_ps(_mm256_madd_epi16(s16, ones));
      // d_x · Σ nibble·x - 8 · d_x · Σx.
      const __m256 t = _mm256_fmadd_ps(sums, _mm256_set1_ps(xb.d), _mm256_set1_ps(-8.f * xb.dsum));
      acc[i] = _mm256_fmadd_ps(t, dw, acc[i]);
    }
  }
  for (size_t i = 0; i < kN; ++i) {
    if (rows == kRows) {
      _mm256_storeu_ps(y + i * ldy, acc[i]);
    } else {
      alignas(32) float tmp[kRows];
      _mm256_store_ps(tmp, acc[i]);
      std::memcpy(y + i * ldy, tmp, rows * sizeof(float));
    }
  }
}


using TileFn = void (*)(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y,
                       size_t ldy);

// The QGemmFn: the tile compiled for the number of inputs.
template <TileFn kTile1, TileFn kTile2, TileFn kTile3, TileFn kTile4>
void ByInputs(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb, float* y, size_t ldy) {
  constexpr TileFn kTiles[kNR] = {kTile1, kTile2, kTile3, kTile4};
  kTiles[(n < kNR ? n : kNR) - 1](w, w_stride, rows, static_cast<const BlockQ8Act*>(x), nb, y, ldy);
}


}  // namespace

extern const QGemmUkernel kQ8_0Q8_0Gemm4x4Avx2 = {"q8_0_q8_0_gemm_4x4__avx2", DType::kQ8_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  kMR, kNR,
                                                  ByInputs<TileQ8x4<1>, TileQ8x4<2>, TileQ8x4<3>, TileQ8x4<4>>};
extern const QGemmUkernel kQ4_0Q8_0Gemm8x4Avx2 = {"q4_0_q8_0_gemm_8x4__avx2", DType::kQ4_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  8, kNR,
                                                  ByInputs<TileQ4x8<1>, TileQ4x8<2>, TileQ4x8<3>, TileQ4x8<4>>};

}  // namespace gemmakit
