// AVX-512 (F, BW, VL) + VNNI dot kernels (compiled with those flags only; called only when the CPU
// has them). Integer dot products use vpdpbusd, two blocks of 32 per 512-bit register.
// GCC 12's AVX-512 headers initialise "undefined" vectors from themselves and then warn about it.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/dtype.h"
#include "kernels/matmul/dot_kernels.h"

namespace gemmakit {
namespace {

inline __m512 LoadBF16(const uint16_t* p) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
inline __m512 LoadF16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }

template <typename T, __m512 (*Load)(const T*), float (*ToF32)(T)>
float DotRow(const T* w, const float* x, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    a0 = _mm512_fmadd_ps(Load(w + i), _mm512_loadu_ps(x + i), a0);
    a1 = _mm512_fmadd_ps(Load(w + i + 16), _mm512_loadu_ps(x + i + 16), a1);
    a2 = _mm512_fmadd_ps(Load(w + i + 32), _mm512_loadu_ps(x + i + 32), a2);
    a3 = _mm512_fmadd_ps(Load(w + i + 48), _mm512_loadu_ps(x + i + 48), a3);
  }
  for (; i + 16 <= n; i += 16) a0 = _mm512_fmadd_ps(Load(w + i), _mm512_loadu_ps(x + i), a0);
  float acc = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  for (; i < n; ++i) acc += ToF32(w[i]) * x[i];
  return acc;
}

inline __m512 LoadF32(const float* p) { return _mm512_loadu_ps(p); }
inline float Same(float v) { return v; }

// Two 32-byte blocks side by side in one 512-bit register.
inline __m512i LoadTwo(const int8_t* a, const int8_t* b) {
  return _mm512_inserti64x4(_mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
}

// Per-lane scales: the first 8 lanes take s0, the last 8 take s1.
inline __m512 TwoScales(float s0, float s1) {
  return _mm512_insertf32x8(_mm512_zextps256_ps512(_mm256_set1_ps(s0)), _mm256_set1_ps(s1), 1);
}

// vpdpbusd multiplies unsigned by signed bytes: |w| against x with w's sign.
inline __m512i DotI8(__m512i w, __m512i x) {
  const __mmask64 negative = _mm512_movepi8_mask(w);
  const __m512i x_signed = _mm512_mask_sub_epi8(x, negative, _mm512_setzero_si512(), x);
  return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(w), x_signed);
}

float DotQ8_0(const BlockQ8_0* w, const BlockQ8Act* x, size_t nb) {
  __m512 acc = _mm512_setzero_ps();
  size_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const __m512i sums = DotI8(LoadTwo(w[b].qs, w[b + 1].qs), LoadTwo(x[b].qs, x[b + 1].qs));
    const __m512 scale = TwoScales(_cvtsh_ss(w[b].d) * x[b].d, _cvtsh_ss(w[b + 1].d) * x[b + 1].d);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), scale, acc);
  }
  float total = _mm512_reduce_add_ps(acc);
  for (; b < nb; ++b) {
    int32_t s = 0;
    for (int j = 0; j < kQK; ++j) s += static_cast<int32_t>(w[b].qs[j]) * x[b].qs[j];
    total += _cvtsh_ss(w[b].d) * x[b].d * static_cast<float>(s);
  }
  return total;
}

inline __m256i Nibbles(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0xF);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), mask), _mm_and_si128(packed, mask));
}

float DotQ4_0(const BlockQ4_0* w, const BlockQ8Act* x, size_t nb) {
  __m512 acc = _mm512_setzero_ps();
  float offset = 0.f;
  size_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const __m512i nib = _mm512_inserti64x4(_mm512_zextsi256_si512(Nibbles(w[b].qs)), Nibbles(w[b + 1].qs), 1);
    // Nibbles are already unsigned: vpdpbusd takes them as they are.
    const __m512i sums = _mm512_dpbusd_epi32(_mm512_setzero_si512(), nib, LoadTwo(x[b].qs, x[b + 1].qs));
    const float d0 = _cvtsh_ss(w[b].d), d1 = _cvtsh_ss(w[b + 1].d);
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sums), TwoScales(d0 * x[b].d, d1 * x[b + 1].d), acc);
    offset += d0 * x[b].dsum + d1 * x[b + 1].dsum;
  }
  float total = _mm512_reduce_add_ps(acc) - 8.f * offset;
  for (; b < nb; ++b) {
    int32_t s = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      s += static_cast<int32_t>(w[b].qs[j] & 0xF) * x[b].qs[j];
      s += static_cast<int32_t>(w[b].qs[j] >> 4) * x[b].qs[j + kQK / 2];
    }
    total += _cvtsh_ss(w[b].d) * (x[b].d * static_cast<float>(s) - 8.f * x[b].dsum);
  }
  return total;
}

}  // namespace

float DotQ4KAvx512(const uint8_t* w, const float* x, size_t n);
float DotQ5KAvx512(const uint8_t* w, const float* x, size_t n);
float DotQ6KAvx512(const uint8_t* w, const float* x, size_t n);

const DotKernels* Avx512DotKernelsImpl() {
  static const DotKernels k = {"avx512", DotRow<float, LoadF32, Same>, DotRow<uint16_t, LoadBF16, BF16ToF32>, DotRow<uint16_t, LoadF16, F16ToF32>, DotQ8_0, DotQ4_0,
                               DotQ4KAvx512, DotQ5KAvx512, DotQ6KAvx512, DotBlocksAvx2};
  return &k;
}

}  // namespace gemmakit
