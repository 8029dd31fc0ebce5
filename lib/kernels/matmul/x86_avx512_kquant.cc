// K-quant rows (Q4_K, Q5_K, Q6_K) dotted with float32 activations, with AVX-512: the 4-6 bit codes
// are widened and converted in registers and met with FMAs, never written out as floats. The
// published Gemma GGUFs store most matrices (and often the output projection) in these types.
// Per sub-block the sum is d·sc·Σq·x − dmin·m·Σx, so the codes are used as stored (unsigned).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <type_traits>

#include "kernels/dtype.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

inline __m512 Codes(__m128i bytes) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes)); }

// Σ q·x and Σ x over one 32-value sub-block whose codes are the 32 bytes of `q`.
inline void SubBlock(__m256i q, const float* x, __m512& qx, __m512& sx) {
  const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
  qx = _mm512_fmadd_ps(Codes(_mm256_castsi256_si128(q)), x0, _mm512_mul_ps(Codes(_mm256_extracti128_si256(q, 1)), x1));
  sx = _mm512_add_ps(x0, x1);
}

// Q4_K and Q5_K share their layout of scales and mins; Q5_K adds a fifth bit per value from qh.
template <bool kFifthBit>
float DotK4(const uint8_t* row, const float* x, size_t n) {
  using Block = std::conditional_t<kFifthBit, BlockQ5_K, BlockQ4_K>;
  const Block* blocks = reinterpret_cast<const Block*>(row);
  const __m256i low = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
  __m512 acc = _mm512_setzero_ps();
  for (size_t i = 0; i < n / kQKK; ++i, x += kQKK) {
    const Block& b = blocks[i];
    const float d = F16ToF32(b.d), dmin = F16ToF32(b.dmin);
    __m256i high_bits;
    if constexpr (kFifthBit) high_bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qh));
    for (int j = 0; j < 4; ++j) {
      const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * j));
      __m256i q_lo = _mm256_and_si256(bytes, low), q_hi = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), low);
      if constexpr (kFifthBit) {
        q_lo = _mm256_or_si256(q_lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high_bits, 2 * j), one), 4));
        q_hi = _mm256_or_si256(q_hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high_bits, 2 * j + 1), one), 4));
      }
      uint8_t sc, m;
      __m512 qx, sx;
      UnpackScaleMinK4(2 * j, b.scales, &sc, &m);
      SubBlock(q_lo, x + 64 * j, qx, sx);
      acc = _mm512_fmadd_ps(qx, _mm512_set1_ps(d * sc), acc);
      acc = _mm512_fnmadd_ps(sx, _mm512_set1_ps(dmin * m), acc);
      UnpackScaleMinK4(2 * j + 1, b.scales, &sc, &m);
      SubBlock(q_hi, x + 64 * j + 32, qx, sx);
      acc = _mm512_fmadd_ps(qx, _mm512_set1_ps(d * sc), acc);
      acc = _mm512_fnmadd_ps(sx, _mm512_set1_ps(dmin * m), acc);
    }
  }
  return _mm512_reduce_add_ps(acc);
}

// Q6_K: values (low 4 bits from ql, high 2 from qh) - 32, a signed 8-bit scale per 16 values.
float DotQ6K(const uint8_t* row, const float* x, size_t n) {
  const BlockQ6_K* blocks = reinterpret_cast<const BlockQ6_K*>(row);
  const __m128i low = _mm_set1_epi8(0x0F), two_bits = _mm_set1_epi8(3);
  const __m512 offset = _mm512_set1_ps(32.f);
  __m512 acc = _mm512_setzero_ps();
  for (size_t i = 0; i < n / kQKK; ++i) {
    const BlockQ6_K& b = blocks[i];
    const float d = F16ToF32(b.d);
    for (int half = 0; half < 2; ++half, x += 128) {
      const uint8_t* ql = b.ql + 64 * half;
      const uint8_t* qh = b.qh + 32 * half;
      const int8_t* sc = b.scales + 8 * half;
      for (int l = 0; l < 32; l += 16) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ql + l));
        const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ql + l + 32));
        const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qh + l));
        const __m128i q[4] = {
            _mm_or_si128(_mm_and_si128(a, low), _mm_slli_epi16(_mm_and_si128(h, two_bits), 4)),
            _mm_or_si128(_mm_and_si128(c, low), _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(h, 2), two_bits), 4)),
            _mm_or_si128(_mm_and_si128(_mm_srli_epi16(a, 4), low),
                         _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(h, 4), two_bits), 4)),
            _mm_or_si128(_mm_and_si128(_mm_srli_epi16(c, 4), low),
                         _mm_slli_epi16(_mm_and_si128(_mm_srli_epi16(h, 6), two_bits), 4)),
        };
        for (int k = 0; k < 4; ++k) {
          const __m512 v = _mm512_mul_ps(_mm512_sub_ps(Codes(q[k]), offset), _mm512_loadu_ps(x + 32 * k + l));
          acc = _mm512_fmadd_ps(v, _mm512_set1_ps(d * static_cast<float>(sc[l / 16 + 2 * k])), acc);
        }
      }
    }
  }
  return _mm512_reduce_add_ps(acc);
}

}  // namespace

float DotQ4KAvx512(const uint8_t* row, const float* x, size_t n) { return DotK4<false>(row, x, n); }
float DotQ5KAvx512(const uint8_t* row, const float* x, size_t n) { return DotK4<true>(row, x, n); }
float DotQ6KAvx512(const uint8_t* row, const float* x, size_t n) { return DotQ6K(row, x, n); }

}  // namespace gemmakit
