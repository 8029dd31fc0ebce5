// Softmax of one row with AVX-512: max, exp and sum, scale by 1/sum; tails through masks.
// GCC 12 flags the reductions' intrinsics themselves as reading uninitialized lanes.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace gemmakit {
namespace {

// exp(x) = 2^n · e^r with n = round(x / ln 2), r = x - n ln 2 (ln 2 split in two for accuracy),
// e^r from Cephes' expf polynomial; vscalefps applies 2^n.
__m512 ExpPs(__m512 x) {
  static constexpr float kPoly[] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                                    4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};
  x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.f)), _mm512_set1_ps(-87.f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x));
  __m512 p = _mm512_set1_ps(kPoly[0]);
  for (size_t i = 1; i < sizeof kPoly / sizeof *kPoly; ++i) p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kPoly[i]));
  const __m512 e = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.f)));
  return _mm512_scalef_ps(e, n);
}

__mmask16 Tail(size_t left) { return static_cast<__mmask16>(left >= 16 ? 0xffffu : (1u << left) - 1u); }

}  // namespace

void SoftmaxRowAvx512(float* row, size_t cols, float scale) {
  const __m512 s = _mm512_set1_ps(scale);
  __m512 mx = _mm512_set1_ps(-INFINITY);
  for (size_t j = 0; j < cols; j += 16) {
    const __mmask16 m = Tail(cols - j);
    mx = _mm512_mask_max_ps(mx, m, mx, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + j), s));
  }
  const __m512 max_all = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
  __m512 sum = _mm512_setzero_ps();
  for (size_t j = 0; j < cols; j += 16) {
    const __mmask16 m = Tail(cols - j);
    const __m512 e = ExpPs(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(m, row + j), s, max_all));
    _mm512_mask_storeu_ps(row + j, m, e);
    sum = _mm512_mask_add_ps(sum, m, sum, e);
  }
  const __m512 inv = _mm512_set1_ps(1.f / _mm512_reduce_add_ps(sum));
  for (size_t j = 0; j < cols; j += 16) {
    const __mmask16 m = Tail(cols - j);
    _mm512_mask_storeu_ps(row + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + j), inv));
  }
}

// exp(y) for y ≤ 0 as 2^(y·log2 e): n = round, a degree-4 Taylor polynomial of 2^f on
// [-1/2, 1/2] (relative error ≤ 4.2e-5, a fiftieth of bf16's rounding), vscalefps for 2^n.
// Half the instructions of ExpPs, for results that are rounded to bf16 anyway.
__m512 Exp2Bf16(__m512 t) {
  const __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_sub_ps(t, n);
  __m512 p = _mm512_set1_ps(9.6181291e-3f);                  // ln2^4 / 24
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504109e-2f));   // ln2^3 / 6
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022651e-1f));   // ln2^2 / 2
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718e-1f));   // ln2
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.f));
  return _mm512_scalef_ps(p, n);
}

float ExpRowToBF16PairsAvx512(const float* row, size_t cols, float scale, uint32_t* out) {
  const __m512 s = _mm512_set1_ps(scale);
  __m512 mx = _mm512_set1_ps(-INFINITY);
  for (size_t j = 0; j < cols; j += 16) {
    const __mmask16 m = Tail(cols - j);
    mx = _mm512_mask_max_ps(mx, m, mx, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, row + j), s));
  }
  constexpr float kLog2e = 1.44269504f;
  const __m512 s2 = _mm512_set1_ps(scale * kLog2e), max2 = _mm512_set1_ps(_mm512_reduce_max_ps(mx) * kLog2e);
  __m512 sum = _mm512_setzero_ps();
  uint16_t* dst = reinterpret_cast<uint16_t*>(out);
  for (size_t j = 0; j < cols; j += 16) {
    const __mmask16 m = Tail(cols - j);
    const __m512 x = _mm512_maskz_loadu_ps(m, row + j);
    // Masked scores (−inf) give exact zeros.
    const __mmask16 live = m & _mm512_cmp_ps_mask(x, _mm512_set1_ps(-INFINITY), _CMP_NEQ_OQ);
    const __m512 e = _mm512_maskz_mov_ps(live, Exp2Bf16(_mm512_fmsub_ps(x, s2, max2)));
    _mm256_mask_storeu_epi16(dst + j, m, (__m256i)_mm512_cvtneps_pbh(e));
    sum = _mm512_add_ps(sum, e);
  }
  if (cols % 2) dst[cols] = 0;
  return _mm512_reduce_add_ps(sum);
}

}  // namespace gemmakit
