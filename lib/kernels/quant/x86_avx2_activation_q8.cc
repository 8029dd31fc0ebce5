// QuantizeActivationsQ8 on AVX2: the same float operations as the scalar definition, lane by lane
// (|x| maximum, d = amax / 127, x · (1 / d) rounded to nearest even by vcvtps2dq under the default
// rounding mode, as lrintf rounds), so the blocks are equal to the bit. Prompts quantize every
// matmul's inputs: the scalar loop's lrintf calls were 8% of a Q4_K_M prompt.
#include <immintrin.h>

#include "kernels/quant/activation_q8.h"

namespace gemmakit {

void QuantizeActivationsQ8Avx2(const float* x, BlockQ8Act* out, size_t n) {
  const __m256 sign = _mm256_set1_ps(-0.f);
  for (size_t b = 0; b < n / 32; ++b) {
    const float* v = x + 32 * b;
    __m256 vals[4];
    __m256 amax = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
      vals[k] = _mm256_loadu_ps(v + 8 * k);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, vals[k]));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(amax), _mm256_extractf128_ps(amax, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    const float d = _mm_cvtss_f32(m) / 127.f;
    const __m256 id = _mm256_set1_ps(d != 0.f ? 1.f / d : 0.f);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(vals[k], id));
    // int32 → int8 in order: packs interleave 128-bit halves, the permute puts them back.
    const __m256i q16a = _mm256_packs_epi32(q[0], q[1]), q16b = _mm256_packs_epi32(q[2], q[3]);
    const __m256i q8 = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(q16a, q16b),
                                                    _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].qs), q8);
    __m256i s = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
    out[b].d = d;
    out[b].dsum = d * static_cast<float>(_mm_cvtsi128_si32(s4));
  }
}

}  // namespace gemmakit
