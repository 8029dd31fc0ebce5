// QuantizeActivationsQ8K32 on AVX2: the scalar definition's float operations lane by lane (|x|
// maximum, the first value of that magnitude as the signed max, iscale = -127 / max, iscale · x
// rounded to nearest even by vcvtps2dq under the default rounding mode, as lrint rounds; packs
// saturate where the definition clamps at 127), so the blocks are equal to the bit. A prompt's
// K-quant matmuls quantize every input: the scalar loop's lrint calls were a sixth of a Q6_K
// down projection's time at 256 inputs.
#include <immintrin.h>

#include "kernels/quant/activation_q8k.h"

namespace gemmakit {
namespace {

inline int HorizontalSum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace

void QuantizeActivationsQ8K32Avx2(const float* x, BlockQ8K32* out, size_t n) {
  const __m256 sign = _mm256_set1_ps(-0.f);
  for (size_t b = 0; b < n / 256; ++b) {
    BlockQ8K32& q = out[b];
    for (int j = 0; j < 8; ++j, x += 32) {
      __m256 vals[4], abs[4];
      __m256 amax = _mm256_setzero_ps();
      for (int k = 0; k < 4; ++k) {
        vals[k] = _mm256_loadu_ps(x + 8 * k);
        abs[k] = _mm256_andnot_ps(sign, vals[k]);
        amax = _mm256_max_ps(abs[k], amax);  // a NaN lane keeps amax, as the definition skips it
      }
      __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
      m = _mm_max_ps(m, _mm_movehl_ps(m, m));
      m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
      const float amax1 = _mm_cvtss_f32(m);
      float iscale = 0.f;
      if (amax1 != 0.f) {
        // The first value of the largest magnitude, as the definition's strict > keeps it.
        const __m256 wanted = _mm256_set1_ps(amax1);
        uint32_t hits = 0;
        for (int k = 0; k < 4; ++k) {
          hits |= static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(abs[k], wanted, _CMP_EQ_OQ))) << (8 * k);
        }
        if (hits != 0) iscale = -127.f / x[__builtin_ctz(hits)];
      }
      const __m256 scale = _mm256_set1_ps(iscale);
      __m256i v[4];
      for (int k = 0; k < 4; ++k) v[k] = _mm256_cvtps_epi32(_mm256_mul_ps(scale, vals[k]));
      // int32 → int8 in order: packs interleave 128-bit halves, the permute puts them back.
      const __m256i q16a = _mm256_packs_epi32(v[0], v[1]), q16b = _mm256_packs_epi32(v[2], v[3]);
      const __m256i q8 =
          _mm256_permutevar8x32_epi32(_mm256_packs_epi16(q16a, q16b), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(q.qs + 32 * j), q8);
      q.d[j] = amax1 == 0.f ? 0.f : 1.f / iscale;
      q.bsums[2 * j] = static_cast<int16_t>(HorizontalSum(_mm256_add_epi32(v[0], v[1])));
      q.bsums[2 * j + 1] = static_cast<int16_t>(HorizontalSum(_mm256_add_epi32(v[2], v[3])));
    }
  }
}

}  // namespace gemmakit
