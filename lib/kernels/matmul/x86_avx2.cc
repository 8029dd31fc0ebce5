// AVX2 + FMA + F16C dot kernels (compiled with those flags only; called only when the CPU has them).
#include <immintrin.h>

#include "kernels/dtype.h"
#include "kernels/matmul/dot_kernels.h"

namespace gemmakit {
namespace {

inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline __m256 LoadBF16(const uint16_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

inline __m256 LoadF16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

template <typename T, __m256 (*Load)(const T*), float (*ToF32)(T)>
float DotRow(const T* w, const float* x, size_t n) {
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 = _mm256_fmadd_ps(Load(w + i), _mm256_loadu_ps(x + i), a0);
    a1 = _mm256_fmadd_ps(Load(w + i + 8), _mm256_loadu_ps(x + i + 8), a1);
    a2 = _mm256_fmadd_ps(Load(w + i + 16), _mm256_loadu_ps(x + i + 16), a2);
    a3 = _mm256_fmadd_ps(Load(w + i + 24), _mm256_loadu_ps(x + i + 24), a3);
  }
  for (; i + 8 <= n; i += 8) a0 = _mm256_fmadd_ps(Load(w + i), _mm256_loadu_ps(x + i), a0);
  float acc = HorizontalSum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  for (; i < n; ++i) acc += ToF32(w[i]) * x[i];
  return acc;
}

inline __m256 LoadF32(const float* p) { return _mm256_loadu_ps(p); }
inline float Same(float v) { return v; }

// Σ over 32 pairs of a signed byte vector by a signed byte vector, as 8 int32 lanes.
inline __m256i DotI8(__m256i w, __m256i x) {
  // maddubs multiplies unsigned by signed: move w's sign onto x.
  const __m256i pairs = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(x, w));
  return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

float DotQ8_0(const BlockQ8_0* w, const BlockQ8Act* x, size_t nb) {
  __m256 acc = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const __m256i wq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[b].qs));
    const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    const __m256 scale = _mm256_set1_ps(_cvtsh_ss(w[b].d) * x[b].d);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DotI8(wq, xq)), scale, acc);
  }
  return HorizontalSum(acc);
}

float DotQ4_0(const BlockQ4_0* w, const BlockQ8Act* x, size_t nb) {
  __m256 acc = _mm256_setzero_ps();
  float offset = 0.f;
  const __m128i low_mask = _mm_set1_epi8(0xF);
  for (size_t b = 0; b < nb; ++b) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs));
    const __m128i lo = _mm_and_si128(packed, low_mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(packed, 4), low_mask);
    const __m256i nibbles = _mm256_set_m128i(hi, lo);  // elements 0..15 then 16..31, values 0..15
    const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    const __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(nibbles, xq), _mm256_set1_epi16(1));
    const float dw = _cvtsh_ss(w[b].d);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sums), _mm256_set1_ps(dw * x[b].d), acc);
    offset += dw * x[b].dsum;
  }
  return HorizontalSum(acc) - 8.f * offset;
}

}  // namespace

float DotBlocksAvx2(DType type, const uint8_t* w, const float* x, size_t n) {
  alignas(32) float values[kQKK];
  __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
  for (size_t i = 0; i < n; i += kQKK) {
    const size_t m = n - i < kQKK ? n - i : kQKK;  // a whole number of blocks of 32 or 256
    ConvertToF32(type, w, values, m);
    w += DTypeBytes(type, m);
    for (size_t k = 0; k < m; k += 32) {
      a0 = _mm256_fmadd_ps(_mm256_load_ps(values + k), _mm256_loadu_ps(x + i + k), a0);
      a1 = _mm256_fmadd_ps(_mm256_load_ps(values + k + 8), _mm256_loadu_ps(x + i + k + 8), a1);
      a2 = _mm256_fmadd_ps(_mm256_load_ps(values + k + 16), _mm256_loadu_ps(x + i + k + 16), a2);
      a3 = _mm256_fmadd_ps(_mm256_load_ps(values + k + 24), _mm256_loadu_ps(x + i + k + 24), a3);
    }
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
}

const DotKernels* Avx2DotKernelsImpl() {
  static const DotKernels k = {"avx2", DotRow<float, LoadF32, Same>, DotRow<uint16_t, LoadBF16, BF16ToF32>, DotRow<uint16_t, LoadF16, F16ToF32>, DotQ8_0, DotQ4_0,
                               DotQ4KScalar, DotQ5KScalar, DotQ6KScalar, DotBlocksAvx2};
  return &k;
}

}  // namespace gemmakit
