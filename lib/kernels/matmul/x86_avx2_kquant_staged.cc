// The staged K-quant prompt kernels for AVX2: q4_kx8_q8_k32_gemm_8x128__avx2, q5_kx8_… and
// q6_kx8_… (and their in-place twins for matrices not repacked at load). Each
// call's 8 rows, read from the 8-row panels (rows8_panels.h), are staged once into a per-thread
// buffer of whole registers that up to 128 inputs then read, as the staged 32-block kernels do
// (x86_avx2_qgemm_tiles.h); the inputs are prepared once per matmul (QGemmUkernel::prepare_inputs).
// The affine u8 panels these replace (u8_panels.h) ended every 16 (Q6_K) or 32 (Q4_K) values of
// every input in a float step and unpacked the rows with gathers on every call.
//
// Q4_K (Q5_K): the values q ∈ [0, 15] ([0, 31]) stay unsigned against the signed inputs; a
// sub-block's 8 (4) dwords sum in int16 (8 · 2 · 15 · 127 < 2^15) and the vpmaddwd that widens them
// multiplies by the rows' 6-bit scales; the minimums come in as dmin · m (staged as floats) times d_x · Σx (prepared):
// about 13.5 products an instruction, against 11.6.
//
// Q6_K: the weights go in signed, w = q - 32 ∈ [-32, 31], and the inputs biased, u = x + 128 ∈
// [1, 255]: two dwords' pair sums stay within 2 · 2 · 255 · 32 = 32640, the vpmaddwd that widens
// them multiplies by the rows' int8 scales, and the +128 comes out as a per-row constant computed
// while staging (128 · Σ scale · Σ w, the sums' starting value), so one float step ends every 32
// values: about 11.6 products an instruction, against 8.5 (the -32 folded in per input and per 16).
// The integer sums are exact either way.
#include <immintrin.h>

#include <cstring>
#include <memory>

#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/rows8_panels.h"
#include "kernels/matmul/x86_avx2_qgemm_tiles.h"
#include "kernels/matmul/x86_byte_dots.h"
#include "kernels/matmul/x86_kquant_rows8_tiles.h"

namespace gemmakit {
namespace {

constexpr size_t kInputsPerCall = 128;

// Q4_K and Q5_K.
template <bool kFifthBit>
struct K4 {
  using Panel = KernelK4Rows8<Avx2Dot, kFifthBit>;
  static constexpr const QPanelLayout& kLayout = kFifthBit ? kQ5_KRows8Panels : kQ4_KRows8Panels;
  static constexpr size_t kInt16Dwords = Panel::kInt16Dwords;

  // A super-block of 8 rows; sub-block s = values 32s.., dword g = values 4g.. of it, row r in lane r.
  struct alignas(32) Block {
    __m256i q[8][8];   // [s][g]: 0..15 (Q5_K 0..31)
    __m256i scale[8];  // [s]: the 6-bit scale in both int16 halves of each lane
    __m256 min[8];     // [s]: dmin · m
    __m256 d;
  };
  struct Input {
    int8_t qs[256];
    float d[8];
    float xmin[8];  // d_x · Σx per sub-block, what the minimums multiply
  };

  static void Prepare(const BlockQ8K32& x, Input& p) {
    std::memcpy(p.qs, x.qs, sizeof(p.qs));
    std::memcpy(p.d, x.d, sizeof(p.d));
    _mm256_storeu_ps(p.xmin, Panel::MinWeights(x));
  }

  static void Stage(const uint8_t* blk, Block& s) {
    __m256i sc[2], mn[2];
    Panel::ScalesAndMins(blk, sc[0], sc[1], mn[0], mn[1]);
    __m256 dmin;
    Panel::Scales(blk, s.d, dmin);
    for (int j = 0; j < 8; ++j) {
      for (int g = 0; g < 8; ++g) s.q[j][g] = Panel::Values(blk, j, g);
      s.scale[j] = _mm256_shuffle_epi8(sc[j / 4], BytePairControl(j % 4));
      s.min[j] = _mm256_mul_ps(dmin, _mm256_cvtepi32_ps(_mm256_shuffle_epi8(mn[j / 4], ByteControl(j % 4))));
    }
  }

  template <size_t kN>
  static void SuperBlock(const Block& s, const Input* const x[kN], __m256 acc[kN]) {
    __m256 sum[kN];
    for (size_t t = 0; t < kN; ++t) sum[t] = _mm256_setzero_ps();
    for (size_t j = 0; j < 8; ++j) {
      __m256i isum[kN];
      for (size_t g0 = 0; g0 < 8; g0 += kInt16Dwords) {
        __m256i run[kN];
#pragma GCC unroll 8
        for (size_t g = g0; g < g0 + kInt16Dwords; ++g) {
          const __m256i q = s.q[j][g];
          for (size_t t = 0; t < kN; ++t) {
            const __m256i p = _mm256_maddubs_epi16(q, _mm256_set1_epi32(LoadU32(x[t]->qs + 32 * j + 4 * g)));
            run[t] = g == g0 ? p : _mm256_add_epi16(run[t], p);
            // One chain per sum: else GCC reassociates the unrolled adds into trees whose values spill.
            __asm__("" : "+x"(run[t]));
          }
        }
        for (size_t t = 0; t < kN; ++t) {
          const __m256i scaled = _mm256_madd_epi16(run[t], s.scale[j]);
          isum[t] = g0 == 0 ? scaled : _mm256_add_epi32(isum[t], scaled);
        }
      }
      for (size_t t = 0; t < kN; ++t) {
        sum[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_set1_ps(x[t]->d[j]), sum[t]);
        acc[t] = _mm256_fnmadd_ps(s.min[j], _mm256_set1_ps(x[t]->xmin[j]), acc[t]);
      }
    }
    for (size_t t = 0; t < kN; ++t) acc[t] = _mm256_fmadd_ps(s.d, sum[t], acc[t]);
  }
};
using Q4K = K4<false>;
using Q5K = K4<true>;

struct Q6K {
  using Panel = KernelQ6KRows8<Avx2Dot>;
  static constexpr const QPanelLayout& kLayout = kQ6_KRows8Panels;

  // A super-block of 8 rows; quarter j = values 32j.., dword g = values 4g.. of it, row r in lane r.
  struct alignas(32) Block {
    __m256i w[8][8];      // [j][g]: q - 32
    __m256i scale[8][2];  // [j][16-value half]: the int8 scale in both int16 halves of each lane
    __m256i start[8];     // [j]: -128 · Σ_half scale · Σ w, what the inputs' +128 adds to the sums
    __m256 d;
  };
  struct Input {
    uint8_t u[256];  // qs + 128
    float d[8];
  };

  static void Prepare(const BlockQ8K32& x, Input& p) {
    const __m256i bias = _mm256_set1_epi8(static_cast<char>(0x80));  // x ^ 0x80 = x + 128 as a byte
    for (size_t k = 0; k < 256; k += 32) {
      const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.qs + k));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p.u + k), _mm256_xor_si256(q, bias));
    }
    std::memcpy(p.d, x.d, sizeof(p.d));
  }

  static void Stage(const uint8_t* blk, Block& s) {
    const __m256i m32 = _mm256_set1_epi8(32), ones = _mm256_set1_epi8(1);
    for (int h = 0; h < 2; ++h) {
      for (int g = 0; g < 8; ++g) {
        __m256i q[4];
        Panel::Quarters(blk, h, g, q);
        for (int qt = 0; qt < 4; ++qt) s.w[4 * h + qt][g] = _mm256_sub_epi8(q[qt], m32);
      }
    }
    for (int j = 0; j < 8; ++j) {
      const int t = 8 * (j / 4) + 2 * (j % 4);  // the quarter's first 16-value scale
      __m256i start = _mm256_setzero_si256();
      for (int half = 0; half < 2; ++half) {
        s.scale[j][half] = Panel::Scale(blk, t + half);
        __m256i sum16 = _mm256_setzero_si256();  // pair sums of w: |·| ≤ 4 · 2 · 32
        for (int g = 4 * half; g < 4 * half + 4; ++g)
          sum16 = _mm256_add_epi16(sum16, _mm256_maddubs_epi16(ones, s.w[j][g]));
        start = _mm256_sub_epi32(start, _mm256_madd_epi16(sum16, s.scale[j][half]));
      }
      s.start[j] = _mm256_slli_epi32(start, 7);
    }
    s.d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 32 * Panel::kTailWords)));
  }

  template <size_t kN>
  static void SuperBlock(const Block& s, const Input* const x[kN], __m256 acc[kN]) {
    __m256 sum[kN];
    for (size_t t = 0; t < kN; ++t) sum[t] = _mm256_setzero_ps();
    for (size_t j = 0; j < 8; ++j) {
      __m256i isum[kN];
      for (size_t t = 0; t < kN; ++t) isum[t] = s.start[j];
#pragma GCC unroll 4
      for (size_t run = 0; run < 4; ++run) {
        const __m256i w0 = s.w[j][2 * run], w1 = s.w[j][2 * run + 1], scale = s.scale[j][run / 2];
        for (size_t t = 0; t < kN; ++t) {
          const auto* u = reinterpret_cast<const int8_t*>(x[t]->u + 32 * j + 8 * run);  // bytes, as loaded
          const __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_set1_epi32(LoadU32(u)), w0),
                                                 _mm256_maddubs_epi16(_mm256_set1_epi32(LoadU32(u + 4)), w1));
          isum[t] = _mm256_add_epi32(isum[t], _mm256_madd_epi16(pairs, scale));
          // One chain per sum: else GCC reassociates the unrolled adds into trees whose values spill.
          __asm__("" : "+x"(isum[t]));
        }
      }
      for (size_t t = 0; t < kN; ++t) {
        sum[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[t]), _mm256_set1_ps(x[t]->d[j]), sum[t]);
      }
    }
    for (size_t t = 0; t < kN; ++t) acc[t] = _mm256_fmadd_ps(s.d, sum[t], acc[t]);
  }
};

template <class K>
void PrepareInputs(const void* blocks, size_t n_blocks, void* out) {
  const auto* x = static_cast<const BlockQ8K32*>(blocks);
  auto* p = static_cast<typename K::Input*>(out);
  for (size_t b = 0; b < n_blocks; ++b) K::Prepare(x[b], p[b]);
}

// kN inputs against the staged rows.
template <class K, size_t kN>
void Pass(const typename K::Block* blk, size_t rows, const typename K::Input* x, size_t nb, float* y, size_t ldy) {
  __m256 acc[kN];
  for (size_t t = 0; t < kN; ++t) acc[t] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const typename K::Input* xb[kN];
    for (size_t t = 0; t < kN; ++t) xb[t] = x + t * nb + b;
    K::template SuperBlock<kN>(blk[b], xb, acc);
  }
  for (size_t t = 0; t < kN; ++t) StoreRows<8>(y + t * ldy, rows, acc[t]);
}

// Per-thread buffers of whole 32-byte units, grown to the widest matrix seen: no std::vector, whose
// members instantiated here with AVX2 flags could be the copy another file links.
struct alignas(32) Bytes32 {
  uint8_t b[32];
};
template <class T>
T* Grow(std::unique_ptr<T[]>& p, size_t& capacity, size_t count) {
  if (count > capacity) {
    p.reset(new T[count]);
    capacity = count;
  }
  return p.get();
}

// kInPlace: w is the first of `rows` rows of blocks, packed into a panel here (matrices not
// repacked at load); else the panel itself.
template <class K, bool kInPlace>
void GemmStaged(const uint8_t* w, size_t stride, size_t rows, const void* xv, size_t n, size_t nb, float* y,
                size_t ldy) {
  thread_local std::unique_ptr<typename K::Block[]> staged;
  thread_local size_t staged_capacity = 0;
  const uint8_t* panel = w;
  if constexpr (kInPlace) {
    thread_local std::unique_ptr<Bytes32[]> packed;
    thread_local size_t packed_capacity = 0;
    uint8_t* p = Grow(packed, packed_capacity, (nb * K::Panel::kBlockBytes + 31) / 32)->b;
    K::kLayout.pack(w, stride, rows, nb, p);
    panel = p;
  }
  typename K::Block* s = Grow(staged, staged_capacity, nb);
  for (size_t b = 0; b < nb; ++b) K::Stage(panel + b * K::Panel::kBlockBytes, s[b]);
  const auto* x = static_cast<const typename K::Input*>(xv);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) Pass<K, 4>(s, rows, x + i * nb, nb, y + i * ldy, ldy);
  switch (n - i) {
    case 3:
      return Pass<K, 3>(s, rows, x + i * nb, nb, y + i * ldy, ldy);
    case 2:
      return Pass<K, 2>(s, rows, x + i * nb, nb, y + i * ldy, ldy);
    case 1:
      return Pass<K, 1>(s, rows, x + i * nb, nb, y + i * ldy, ldy);
    default:
      return;
  }
}

template <class K>
constexpr QGemmUkernel Staged(const char* name, DType weight, bool in_place) {
  return {name,
          weight,
          ActQuant::kQ8_K32,
          Isa::kAvx2,
          kRows8PanelRows,
          kInputsPerCall,
          in_place ? GemmStaged<K, true> : GemmStaged<K, false>,
          in_place ? nullptr : &K::kLayout,
          PrepareInputs<K>,
          sizeof(typename K::Input)};
}

}  // namespace

extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x128Avx2 =
    Staged<Q4K>("q4_kx8_q8_k32_gemm_8x128__avx2", DType::kQ4_K, false);
extern const QGemmUkernel kQ5_Kx8Q8K32Gemm8x128Avx2 =
    Staged<Q5K>("q5_kx8_q8_k32_gemm_8x128__avx2", DType::kQ5_K, false);
extern const QGemmUkernel kQ6_Kx8Q8K32Gemm8x128Avx2 =
    Staged<Q6K>("q6_kx8_q8_k32_gemm_8x128__avx2", DType::kQ6_K, false);
// The same tiles on matrices that were not repacked at load: each call packs its 8 rows first.
extern const QGemmUkernel kQ4_KQ8K32Gemm8x128Avx2 = Staged<Q4K>("q4_k_q8_k32_gemm_8x128__avx2", DType::kQ4_K, true);
extern const QGemmUkernel kQ5_KQ8K32Gemm8x128Avx2 = Staged<Q5K>("q5_k_q8_k32_gemm_8x128__avx2", DType::kQ5_K, true);
extern const QGemmUkernel kQ6_KQ8K32Gemm8x128Avx2 = Staged<Q6K>("q6_k_q8_k32_gemm_8x128__avx2", DType::kQ6_K, true);

}  // namespace gemmakit
