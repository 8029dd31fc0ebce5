// K-quant × Q8_K32 micro-kernels on AVX2 (vpmaddubsw: unsigned weight values × signed activations,
// pairs summed to int16 without saturation for 4-, 5- and 6-bit weights; vpmaddwd by the
// sub-block scales). Each weight block is unpacked once per call and multiplied with all NR
// inputs, as ik_llama.cpp's iqk_mul_mat does; the minimums (Q4_K, Q5_K) and the -32 offset (Q6_K)
// come in through the activations' 16-value sums. Integer sums per 32-value sub-block are exact,
// then a float multiply-add by the activations' scale into 8 float lanes per super-block, times the
// weights' scale: equal to the scalar definition (kquant_q8k_scalar.cc) up to float rounding.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/x86_avx2_inline.h"
#include "kernels/matmul/x86_byte_dots.h"
#include "kernels/matmul/x86_kquant_rows8_tiles.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

inline __m256i Load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

inline float F16(uint16_t h) { return _cvtsh_ss(h); }

// The eight 6-bit scales (int16 lanes 0..7) and mins (lanes 8..15) of a Q4_K / Q5_K super-block,
// as UnpackScaleMinK4 gives them, four at a time from the 12 packed bytes.
inline __m256i ScalesAndMinsK4(const uint8_t* packed) {
  uint32_t u[3];
  std::memcpy(u, packed, 12);
  const uint32_t scales_lo = u[0] & 0x3f3f3f3fu;
  const uint32_t scales_hi = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
  const uint32_t mins_lo = u[1] & 0x3f3f3f3fu;
  const uint32_t mins_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
  return _mm256_cvtepu8_epi16(_mm_set_epi32(static_cast<int>(mins_hi), static_cast<int>(mins_lo),
                                            static_cast<int>(scales_hi), static_cast<int>(scales_lo)));
}

// Lane k of the result is min_{k / 2}: each min against the sums of its sub-block's two 16-value runs.
inline __m256i PairedMins(__m256i scales_and_mins) {
  const __m128i mins = _mm256_extracti128_si256(scales_and_mins, 1);
  return _mm256_set_m128i(_mm_unpackhi_epi16(mins, mins), _mm_unpacklo_epi16(mins, mins));
}

// Broadcasts int16 lane j of both 128-bit halves (vpshufb control).
inline __m256i LaneControl(int j) { return _mm256_set1_epi16(static_cast<int16_t>(((2 * j + 1) << 8) | (2 * j))); }

// Low half: int16 lane a, high half: lane b.
inline __m256i LaneControl2(int a, int b) {
  return _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(((2 * b + 1) << 8) | (2 * b))),
                          _mm_set1_epi16(static_cast<int16_t>(((2 * a + 1) << 8) | (2 * a))));
}

// acc + d_x · scale · Σ w · x over one 32-value sub-block: w its unsigned values, x the
// activations, scale the weights' sub-block scale in every int16 lane (or one per 128-bit half).
inline __m256 SubBlock(__m256 acc, __m256i w, const int8_t* x, __m256i scale, __m256 d_x) {
  const __m256i sum = _mm256_madd_epi16(_mm256_maddubs_epi16(w, Load(x)), scale);
  return _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum), d_x, acc);
}

// Q4_K and Q5_K: the fifth bit (Q5_K) is the only difference.
template <bool kFifthBit>
struct KernelK4 {
  using Block = std::conditional_t<kFifthBit, BlockQ5_K, BlockQ4_K>;

  template <int MR, int NR>
  static void Tile(const uint8_t* const* rows, const BlockQ8K32* const* x, size_t nb, float out[MR][NR]) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const __m256i one = _mm256_set1_epi8(1);
    __m256 acc[MR][NR];
    #pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      #pragma GCC unroll 8
      for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_setzero_ps();
    }
    for (size_t b = 0; b < nb; ++b) {
      const Block* w[MR];
      __m256i scales[MR];
      #pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        w[r] = reinterpret_cast<const Block*>(rows[r]) + b;
        scales[r] = ScalesAndMinsK4(w[r]->scales);
      }
      __m256 block[MR][NR];  // Σ_j d_x,j · scale_j · Σ w · x over this super-block
      #pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        #pragma GCC unroll 8
        for (int c = 0; c < NR; ++c) block[r][c] = _mm256_setzero_ps();
      }
      #pragma GCC unroll 8
      for (int j = 0; j < 4; ++j) {
        __m256i w_lo[MR], w_hi[MR], scale_lo[MR], scale_hi[MR];
        #pragma GCC unroll 8
        for (int r = 0; r < MR; ++r) {
          const __m256i bits = Load(w[r]->qs + 32 * j);
          w_lo[r] = _mm256_and_si256(bits, m4);
          w_hi[r] = _mm256_and_si256(_mm256_srli_epi16(bits, 4), m4);
          if constexpr (kFifthBit) {
            const __m256i high = Load(w[r]->qh);  // bit 2j: sub-block 2j, bit 2j + 1: sub-block 2j + 1
            w_lo[r] = _mm256_or_si256(w_lo[r], _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2 * j), one), 4));
            w_hi[r] = _mm256_or_si256(w_hi[r],
                                      _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2 * j + 1), one), 4));
          }
          const __m256i both = _mm256_permute2x128_si256(scales[r], scales[r], 0x00);  // scales in both halves
          scale_lo[r] = _mm256_shuffle_epi8(both, LaneControl(2 * j));
          scale_hi[r] = _mm256_shuffle_epi8(both, LaneControl(2 * j + 1));
        }
        #pragma GCC unroll 8
        for (int c = 0; c < NR; ++c) {
          const int8_t* xq = x[c][b].qs + 64 * j;
          const __m256 d_lo = _mm256_set1_ps(x[c][b].d[2 * j]), d_hi = _mm256_set1_ps(x[c][b].d[2 * j + 1]);
          #pragma GCC unroll 8
          for (int r = 0; r < MR; ++r) {
            block[r][c] = SubBlock(block[r][c], w_lo[r], xq, scale_lo[r], d_lo);
            block[r][c] = SubBlock(block[r][c], w_hi[r], xq + 32, scale_hi[r], d_hi);
          }
        }
      }
      #pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m256 d = _mm256_set1_ps(F16(w[r]->d)), dmin = _mm256_set1_ps(F16(w[r]->dmin));
        const __m256i mins = PairedMins(scales[r]);
        #pragma GCC unroll 8
        for (int c = 0; c < NR; ++c) {
          // Lane j: min_j · Σ_{k∈j} x_k, times d_x,j.
          const __m256i summ = _mm256_madd_epi16(mins, Load(x[c][b].bsums));
          const __m256 mins_x = _mm256_mul_ps(_mm256_cvtepi32_ps(summ), _mm256_loadu_ps(x[c][b].d));
          acc[r][c] = _mm256_fmadd_ps(d, block[r][c], acc[r][c]);
          acc[r][c] = _mm256_fnmadd_ps(dmin, mins_x, acc[r][c]);
        }
      }
    }
    #pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      #pragma GCC unroll 8
      for (int c = 0; c < NR; ++c) out[r][c] = HorizontalSum(acc[r][c]);
    }
  }
};

// Q6_K: per half of 128 values, ql holds the low nibbles of quarters 0 and 1 (low nibbles of bytes
// 0..31 and 32..63) and of quarters 2 and 3 (their high nibbles); qh bits 2q, 2q + 1 are quarter
// q's high bits. One signed scale per 16 values: a 32-value quarter needs two, one per 128-bit half.
struct KernelQ6K {
  template <int MR, int NR>
  static void Tile(const uint8_t* const* rows, const BlockQ8K32* const* x, size_t nb, float out[MR][NR]) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    __m256 acc[MR][NR];
    #pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      #pragma GCC unroll 8
      for (int c = 0; c < NR; ++c) acc[r][c] = _mm256_setzero_ps();
    }
    for (size_t b = 0; b < nb; ++b) {
      const BlockQ6_K* w[MR];
      #pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) w[r] = reinterpret_cast<const BlockQ6_K*>(rows[r]) + b;
      __m256 block[MR][NR];  // Σ_j d_x,j · Σ_{g∈j} scale_g · Σ w · x over this super-block
      #pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        #pragma GCC unroll 8
        for (int c = 0; c < NR; ++c) block[r][c] = _mm256_setzero_ps();
      }
      __m256i scales16[MR];  // the 16 scales, int16
      #pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        scales16[r] = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w[r]->scales)));
      }
      #pragma GCC unroll 8
      for (int half = 0; half < 2; ++half) {
        #pragma GCC unroll 8
        for (int q = 0; q < 4; ++q) {
          __m256i value[MR], scale[MR];
          #pragma GCC unroll 8
          for (int r = 0; r < MR; ++r) {
            const __m256i low_bits = Load(w[r]->ql + 64 * half + 32 * (q % 2));
            const __m256i low = q < 2 ? _mm256_and_si256(low_bits, m4)
                                      : _mm256_and_si256(_mm256_srli_epi16(low_bits, 4), m4);
            const __m256i high_bits = Load(w[r]->qh + 32 * half);
            // Bits 2q, 2q + 1 of each byte to bits 4, 5 (no bits cross bytes: masked first).
            const __m256i high = _mm256_and_si256(_mm256_set1_epi8(static_cast<char>(3 << (2 * q))), high_bits);
            const __m256i high45 = q == 0 ? _mm256_slli_epi16(high, 4)
                                   : q == 1 ? _mm256_slli_epi16(high, 2)
                                   : q == 2 ? high
                                            : _mm256_srli_epi16(high, 2);
            value[r] = _mm256_or_si256(low, high45);
            // This half's 8 scales in both 128-bit halves, then groups 2q and 2q + 1 of them.
            const __m256i half_scales = half == 0 ? _mm256_permute2x128_si256(scales16[r], scales16[r], 0x00)
                                                  : _mm256_permute2x128_si256(scales16[r], scales16[r], 0x11);
            scale[r] = _mm256_shuffle_epi8(half_scales, LaneControl2(2 * q, 2 * q + 1));
          }
          #pragma GCC unroll 8
          for (int c = 0; c < NR; ++c) {
            const int8_t* xq = x[c][b].qs + 128 * half + 32 * q;
            const __m256 d_x = _mm256_set1_ps(x[c][b].d[4 * half + q]);
            #pragma GCC unroll 8
            for (int r = 0; r < MR; ++r) block[r][c] = SubBlock(block[r][c], value[r], xq, scale[r], d_x);
          }
        }
      }
      #pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m256 d = _mm256_set1_ps(F16(w[r]->d));
        const __m256i scales = scales16[r];
        #pragma GCC unroll 8
        for (int c = 0; c < NR; ++c) {
          // Lane j: 32 · Σ_{g∈j} scale_g · Σ_{k∈g} x_k (the -32 of every stored value), times d_x,j.
          const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(scales, Load(x[c][b].bsums)), 5);
          const __m256 s = _mm256_fnmadd_ps(_mm256_cvtepi32_ps(offset), _mm256_loadu_ps(x[c][b].d), block[r][c]);
          acc[r][c] = _mm256_fmadd_ps(d, s, acc[r][c]);
        }
      }
    }
    #pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      #pragma GCC unroll 8
      for (int c = 0; c < NR; ++c) out[r][c] = HorizontalSum(acc[r][c]);
    }
  }
};

// n < NR inputs run the tile with NR = n, so a short tile costs no wasted products.
template <typename K, int MR, int NR>
void GemmColumns(const uint8_t* const* rows, size_t row_count, const BlockQ8K32* x, size_t n, size_t nb, float* y,
                 size_t ldy) {
  if constexpr (NR > 1) {
    if (n < NR) return GemmColumns<K, MR, NR - 1>(rows, row_count, x, n, nb, y, ldy);
  }
  const BlockQ8K32* cols[NR];
  #pragma GCC unroll 8
  for (int c = 0; c < NR; ++c) cols[c] = x + c * nb;
  float out[MR][NR];
  K::template Tile<MR, NR>(rows, cols, nb, out);
  #pragma GCC unroll 8
  for (int c = 0; c < NR; ++c) {
    for (size_t r = 0; r < row_count; ++r) y[c * ldy + r] = out[r][c];
  }
}

// The QGemmFn: fewer than MR rows (the matrix's last tile) repeat the last row, unstored.
template <typename K, int MR, int NR>
void Gemm(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb, float* y, size_t ldy) {
  const uint8_t* row_ptrs[MR];
  #pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) row_ptrs[r] = w + std::min<size_t>(static_cast<size_t>(r), rows - 1) * w_stride;
  GemmColumns<K, MR, NR>(row_ptrs, rows, static_cast<const BlockQ8K32*>(x), n, nb, y, ldy);
}

using Q4K = KernelK4<false>;
using Q5K = KernelK4<true>;
using Q6K = KernelQ6K;

}  // namespace

// Decode of matrices that were not repacked at load (the 8-row panel kernels below read the
// others): one row by one input (measured on 6912 × 1152, Zen 4 without AVX-512: 2 × 1 and 4 × 1
// were slower, their unpacked rows spilling). Prompts take the affine u8 panels (u8_panels.h)
// instead: the 1 × 8 prompt tiles these kernels had were slower on every type.
extern const QGemmUkernel kQ4_KQ8K32Gemm1x1Avx2 = {"q4_k_q8_k32_gemm_1x1__avx2", DType::kQ4_K, ActQuant::kQ8_K32,
                                                   Isa::kAvx2, 1, 1, Gemm<Q4K, 1, 1>};
extern const QGemmUkernel kQ5_KQ8K32Gemm1x1Avx2 = {"q5_k_q8_k32_gemm_1x1__avx2", DType::kQ5_K, ActQuant::kQ8_K32,
                                                   Isa::kAvx2, 1, 1, Gemm<Q5K, 1, 1>};
extern const QGemmUkernel kQ6_KQ8K32Gemm1x1Avx2 = {"q6_k_q8_k32_gemm_1x1__avx2", DType::kQ6_K, ActQuant::kQ8_K32,
                                                   Isa::kAvx2, 1, 1, Gemm<Q6K, 1, 1>};

// Decode from 8-row panels repacked at load (x86_kquant_rows8_tiles.h); the 1 × 1 kernels above
// read the matrices that were not repacked.
extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x1Avx2 = {"q4_kx8_q8_k32_gemm_8x1__avx2", DType::kQ4_K, ActQuant::kQ8_K32,
                                                     Isa::kAvx2, 8, 1, GemmRows8<KernelQ4KRows8<Avx2Dot>>, &kQ4_KRows8Panels};
extern const QGemmUkernel kQ5_Kx8Q8K32Gemm8x1Avx2 = {
    "q5_kx8_q8_k32_gemm_8x1__avx2",     DType::kQ5_K,     ActQuant::kQ8_K32, Isa::kAvx2, 8, 1,
    GemmRows8<KernelQ5KRows8<Avx2Dot>>, &kQ5_KRows8Panels};
extern const QGemmUkernel kQ6_Kx8Q8K32Gemm8x1Avx2 = {"q6_kx8_q8_k32_gemm_8x1__avx2", DType::kQ6_K, ActQuant::kQ8_K32,
                                                     Isa::kAvx2, 8, 1, GemmRows8<KernelQ6KRows8<Avx2Dot>>, &kQ6_KRows8Panels};

extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x128Avx2, kQ5_Kx8Q8K32Gemm8x128Avx2,  // x86_avx2_kquant_staged.cc
    kQ6_Kx8Q8K32Gemm8x128Avx2, kQ4_KQ8K32Gemm8x128Avx2, kQ5_KQ8K32Gemm8x128Avx2, kQ6_KQ8K32Gemm8x128Avx2;
extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x1AvxVnni, kQ5_Kx8Q8K32Gemm8x1AvxVnni,  // x86_avxvnni_kquant.cc
    kQ6_Kx8Q8K32Gemm8x1AvxVnni;
extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x1Avx512, kQ5_Kx8Q8K32Gemm8x1Avx512,  // x86_avx512_rows8_panels_qgemm.cc
    kQ6_Kx8Q8K32Gemm8x1Avx512;

const QGemmUkernel* KQuantUkernelsX86(size_t* count) {
  static const QGemmUkernel entries[] = {
      kQ4_KQ8K32Gemm1x1Avx2,      kQ5_KQ8K32Gemm1x1Avx2,     kQ6_KQ8K32Gemm1x1Avx2,      kQ4_Kx8Q8K32Gemm8x1Avx2,
      kQ5_Kx8Q8K32Gemm8x1Avx2,    kQ6_Kx8Q8K32Gemm8x1Avx2,   kQ4_Kx8Q8K32Gemm8x1AvxVnni, kQ5_Kx8Q8K32Gemm8x1AvxVnni,
      kQ6_Kx8Q8K32Gemm8x1AvxVnni, kQ4_Kx8Q8K32Gemm8x1Avx512, kQ5_Kx8Q8K32Gemm8x1Avx512,  kQ6_Kx8Q8K32Gemm8x1Avx512,
      kQ4_Kx8Q8K32Gemm8x128Avx2,  kQ5_Kx8Q8K32Gemm8x128Avx2, kQ6_Kx8Q8K32Gemm8x128Avx2,  kQ4_KQ8K32Gemm8x128Avx2,
      kQ5_KQ8K32Gemm8x128Avx2,    kQ6_KQ8K32Gemm8x128Avx2};
  *count = sizeof(entries) / sizeof(entries[0]);
  return entries;
}

}  // namespace gemmakit
