// q8_0_q8_0_gemm_4x4__avx2 / q4_0_q8_0_gemm_4x4__avx2 (contract: ukernels.h): Q8_0 / Q4_0 weight
// rows read in place in their GGUF blocks, against up to 4 inputs quantized to BlockQ8Act. Each
// weight block is loaded (Q4_0: unpacked to 32 nibble bytes) once per call and dotted with every
// input; the 4 rows' sums of one input are then folded by horizontal adds into one register
// (lanes 0-3: rows 0-3 over elements 0-15, lanes 4-7: the same rows over elements 16-31), so a
// block costs one convert and one or two FMAs per input for all 4 rows, and the 4 rows' f16 scales
// one convert. Accumulators: one register per input.
//
// The integer sums are exact:
//  - Q8_0: vpmaddubsw multiplies unsigned by signed bytes and saturates its pair sums to int16;
//    |w| (≤ 128, -128 read as 0x80 = 128 unsigned) times x with w's sign (|x| ≤ 127: activations
//    are quantized to ±127) keeps each pair sum within 2 × 128 × 127 = 32512; vpmaddwd then sums
//    in int32 before the horizontal adds.
//  - Q4_0: the nibbles (0..15) times x give pair sums ≤ 2 × 15 × 127 = 3810; two levels of int16
//    horizontal adds sum 4 of them (≤ 15240), vpmaddwd the last 2 in int32. The stored offset
//    (nibble - 8) is applied in float: -8 · d_x · Σq_x (BlockQ8Act::dsum), half per 16 elements.
//
// Decode (1-3 inputs) is bound by memory: the kernel prefetches the next 4 rows' blocks (the rows
// the operator hands to the next call) in step with the ones it reads.
#include <immintrin.h>

#include <cstring>

#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

constexpr size_t kMR = 4, kNR = 4;

// The 32 quants of a block: Q8_0 as signed bytes; Q4_0 as nibble values 0..15 in element order.
template <bool kQ4>
inline __m256i LoadQuants(const uint8_t* block) {
  if constexpr (kQ4) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(packed, 4), packed), _mm256_set1_epi8(0x0F));
  } else {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 2));
  }
}

// The f16 scales of 4 blocks (rows) as floats, repeated in both 128-bit halves.
inline __m256 LoadScales(const uint8_t* const (&blk)[kMR]) {
  uint16_t d[kMR];
  for (size_t r = 0; r < kMR; ++r) std::memcpy(&d[r], blk[r], 2);
  const __m128 s = _mm_cvtph_ps(_mm_set_epi16(0, 0, 0, 0, static_cast<short>(d[3]), static_cast<short>(d[2]),
                                              static_cast<short>(d[1]), static_cast<short>(d[0])));
  return _mm256_set_m128(s, s);
}

// 4 rows × 1 input block: lane r (and r + 4) = the int32 sum of row r over elements 0-15 (16-31).
template <bool kQ4>
inline __m256i RowSums(const __m256i (&q)[kMR], const __m256i (&q_abs)[kMR], __m256i xq) {
  const __m256i ones = _mm256_set1_epi16(1);
  if constexpr (kQ4) {
    (void)q_abs;
    const __m256i s01 = _mm256_hadd_epi16(_mm256_maddubs_epi16(q[0], xq), _mm256_maddubs_epi16(q[1], xq));
    const __m256i s23 = _mm256_hadd_epi16(_mm256_maddubs_epi16(q[2], xq), _mm256_maddubs_epi16(q[3], xq));
    return _mm256_madd_epi16(_mm256_hadd_epi16(s01, s23), ones);
  } else {
    __m256i s[kMR];
    for (size_t r = 0; r < kMR; ++r) {
      s[r] = _mm256_madd_epi16(_mm256_maddubs_epi16(q_abs[r], _mm256_sign_epi8(xq, q[r])), ones);
    }
    return _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
  }
}

// Rows [0, rows) (≤ 4) × kN inputs; rows past `rows` repeat row 0 and are not stored.
template <bool kQ4, size_t kN>
void Tile(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  constexpr size_t kBlock = kQ4 ? sizeof(BlockQ4_0) : sizeof(BlockQ8_0);
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
      q[r] = LoadQuants<kQ4>(blk[r]);
      q_abs[r] = kQ4 ? q[r] : _mm256_sign_epi8(q[r], q[r]);  // -128 stays 0x80: 128 as unsigned
    }
    const __m256 dw = LoadScales(blk);
    for (size_t i = 0; i < kN; ++i) {
      const BlockQ8Act& xb = x[i * nb + b];
      const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs));
      const __m256 sums = _mm256_cvtepi32_ps(RowSums<kQ4>(q, q_abs, xq));
      if constexpr (kQ4) {
        // d_x · Σ nibble·x - 8 · d_x · Σx, the offset split evenly over the two halves.
        const __m256 t = _mm256_fmadd_ps(sums, _mm256_set1_ps(xb.d), _mm256_set1_ps(-4.f * xb.dsum));
        acc[i] = _mm256_fmadd_ps(t, dw, acc[i]);
      } else {
        acc[i] = _mm256_fmadd_ps(sums, _mm256_mul_ps(dw, _mm256_set1_ps(xb.d)), acc[i]);
      }
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

template <bool kQ4>
void Gemm4x4(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb, float* y,
             size_t ldy) {
  const auto* xb = static_cast<const BlockQ8Act*>(x);
  switch (n) {
    case 1: return Tile<kQ4, 1>(w, w_stride, rows, xb, nb, y, ldy);
    case 2: return Tile<kQ4, 2>(w, w_stride, rows, xb, nb, y, ldy);
    case 3: return Tile<kQ4, 3>(w, w_stride, rows, xb, nb, y, ldy);
    default: return Tile<kQ4, 4>(w, w_stride, rows, xb, nb, y, ldy);
  }
}

}  // namespace

extern const QGemmUkernel kQ8_0Q8_0Gemm4x4Avx2 = {"q8_0_q8_0_gemm_4x4__avx2", DType::kQ8_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  kMR, kNR, Gemm4x4<false>};
extern const QGemmUkernel kQ4_0Q8_0Gemm4x4Avx2 = {"q4_0_q8_0_gemm_4x4__avx2", DType::kQ4_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  kMR, kNR, Gemm4x4<true>};

}  // namespace gemmakit
