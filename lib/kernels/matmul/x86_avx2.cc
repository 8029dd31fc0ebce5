// AVX2 + FMA + F16C dot kernels (compiled with those flags only; called only when the CPU has them).
#include <immintrin.h>

#include <cstring>

#include "kernels/dtype.h"
#include "kernels/matmul/dot_kernels.h"
#include "kernels/matmul/x86_avx2_inline.h"

namespace gemmakit {
namespace {

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

namespace {

// The 32 nibbles of a Q4_1 / Q5_x / IQ4_NL block as bytes, in element order.
inline __m256i Nibbles(const uint8_t* qs) {
  const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0xF);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(packed, 4), mask), _mm_and_si128(packed, mask));
}

// 0x10 in byte j where bit j of the little-endian 32-bit qh is set.
inline __m256i FifthBits(const uint8_t* qh) {
  int32_t bits;
  std::memcpy(&bits, qh, 4);
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(bits), _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

// Q4_1, Q5_0, Q5_1, IQ4_NL rows: each block's 32 values unpacked in registers, scaled as
// dequantize.cc scales them (q · d, or q · d + m), then multiplied with x.
float DotBlocks32(DType type, const uint8_t* w, const float* x, size_t n) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
  const size_t block_bytes = DTypeBytes(type, kQK);
  const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIQ4NLValues));
  for (size_t i = 0; i < n; i += kQK, w += block_bytes) {
    __m256i q;
    uint16_t d16, m16 = 0;
    std::memcpy(&d16, w, 2);
    switch (type) {
      case DType::kQ4_1: {
        const auto* b = reinterpret_cast<const BlockQ4_1*>(w);
        m16 = b->m;
        q = Nibbles(b->qs);
        break;
      }
      case DType::kQ5_0: {
        const auto* b = reinterpret_cast<const BlockQ5_0*>(w);
        q = _mm256_sub_epi8(_mm256_or_si256(Nibbles(b->qs), FifthBits(b->qh)), _mm256_set1_epi8(16));
        break;
      }
      case DType::kQ5_1: {
        const auto* b = reinterpret_cast<const BlockQ5_1*>(w);
        m16 = b->m;
        q = _mm256_or_si256(Nibbles(b->qs), FifthBits(b->qh));
        break;
      }
      default: {  // IQ4_NL: nibbles index the level table
        const __m256i idx = Nibbles(reinterpret_cast<const BlockIQ4_NL*>(w)->qs);
        q = _mm256_set_m128i(_mm_shuffle_epi8(table, _mm256_extracti128_si256(idx, 1)),
                             _mm_shuffle_epi8(table, _mm256_castsi256_si128(idx)));
        break;
      }
    }
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(d16));
    const bool has_min = type == DType::kQ4_1 || type == DType::kQ5_1;
    const __m256 m = _mm256_set1_ps(has_min ? _cvtsh_ss(m16) : 0.f);
    const __m128i halves[2] = {_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1)};
    for (int g = 0; g < 4; ++g) {
      const __m128i bytes = g % 2 ? _mm_srli_si128(halves[g / 2], 8) : halves[g / 2];
      __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes)), d);
      if (has_min) v = _mm256_add_ps(v, m);
      acc[g] = _mm256_fmadd_ps(v, _mm256_loadu_ps(x + i + 8 * g), acc[g]);
    }
  }
  return HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

}  // namespace

float DotBlocksAvx2(DType type, const uint8_t* w, const float* x, size_t n) {
  if (type == DType::kQ4_1 || type == DType::kQ5_0 || type == DType::kQ5_1 || type == DType::kIQ4_NL) {
    return DotBlocks32(type, w, x, n);
  }
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
