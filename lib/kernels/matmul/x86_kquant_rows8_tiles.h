// K-quant × Q8_K32 decode from 8-row panels repacked at load (rows8_panels.h), for every x86 tier,
// templated on the byte dot product (x86_byte_dots.h): Avx2Dot in x86_avx2_kquant_q8k.cc, VnniDot
// in x86_avxvnni_kquant.cc (VEX) and x86_avx512_rows8_panels_qgemm.cc (EVEX on ymm). Register k of a
// super-block is word k of the 8 rows, so one instruction multiplies 8 rows' 4 values by the same
// 4 broadcast activations, and lane r holds row r throughout: no horizontal sums.
//
// Per sub-block (Q4_K: 32 values; Q6_K: 16) the integer sum is scaled by the rows' 6-bit scale in
// integer arithmetic, then one float multiply-add by the activations' scale covers all 8 rows.
// AVX2 sums vpmaddubsw pairs in int16 and scales them with one vpmaddwd (Q4_K: a sub-block's 8
// dwords stay under 8 · 2 · 15 · 127 < 2^15; Q5_K: 4 dwords; Q6_K: two dwords, 2 · 2 · 63 · 127); VNNI sums
// vpdpbusd straight into int32 and scales with vpmulld. The integer results are the same exact
// values, and the float arithmetic after them is shared, so every tier gives the same floats.
// Include only from files compiled with AVX2 flags (internal linkage).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kernels/matmul/rows8_panels.h"
#include "kernels/quant/activation_q8k.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

inline __m256i LoadYmm(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// 4 activation bytes, to broadcast to every row's lane.
inline int32_t LoadU32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Byte b of each 32-bit lane to both int16 halves of it (vpshufb control).
inline __m256i BytePairControl(int b) {
  const __m128i c = _mm_setr_epi8(b, -1, b, -1, 4 + b, -1, 4 + b, -1, 8 + b, -1, 8 + b, -1, 12 + b, -1, 12 + b, -1);
  return _mm256_set_m128i(c, c);
}
// Byte b of each 32-bit lane, zero-extended.
inline __m256i ByteControl(int b) {
  const __m128i c = _mm_setr_epi8(b, -1, -1, -1, 4 + b, -1, -1, -1, 8 + b, -1, -1, -1, 12 + b, -1, -1, -1);
  return _mm256_set_m128i(c, c);
}
// Byte b of each 32-bit lane to the lane's top byte (sign-extended by the caller's vpsrad 24).
inline __m256i TopByteControl(int b) {
  const __m128i c = _mm_setr_epi8(-1, -1, -1, b, -1, -1, -1, 4 + b, -1, -1, -1, 8 + b, -1, -1, -1, 12 + b);
  return _mm256_set_m128i(c, c);
}

// Σ u · x over `kDwords` consecutive words of a panel (`values(k)`: the unsigned values of 8 rows
// in word k) against the broadcast activations from xq, times the rows' scale: `scale` holds it in
// both int16 halves of each lane, `scale32` zero- or sign-extended to int32. VNNI sums in int32;
// AVX2 keeps the pair sums in int16 for kInt16Dwords words at a time (the caller's bound: 8 for
// values ≤ 15, 4 for ≤ 31), each run widened by the vpmaddwd that multiplies by the scale.
template <class Dot, size_t kDwords, size_t kInt16Dwords, class Values>
inline __m256i ScaledRun(Values values, const int8_t* xq, __m256i scale, __m256i scale32) {
  if constexpr (Dot::kInt32Sums) {
    __m256i sum = _mm256_setzero_si256();
    #pragma GCC unroll 8
    for (size_t k = 0; k < kDwords; ++k) {
      sum = Dot::AddLanes(sum, values(k), _mm256_set1_epi32(LoadU32(xq + 4 * k)));
    }
    return _mm256_mullo_epi32(sum, scale32);
  } else {
    __m256i sum32 = _mm256_setzero_si256();
#pragma GCC unroll 2
    for (size_t k0 = 0; k0 < kDwords; k0 += kInt16Dwords) {
      __m256i sum16 = _mm256_setzero_si256();
#pragma GCC unroll 8
      for (size_t k = k0; k < k0 + kInt16Dwords; ++k) {
        sum16 = _mm256_add_epi16(sum16, _mm256_maddubs_epi16(values(k), _mm256_set1_epi32(LoadU32(xq + 4 * k))));
      }
      sum32 = _mm256_add_epi32(sum32, _mm256_madd_epi16(sum16, scale));
    }
    return sum32;
  }
}

// Q4_K and Q5_K: per 64 values, 8 words whose low nibbles are sub-block 2c and high nibbles 2c + 1
// (Q5_K: plus bits 2c and 2c + 1 of the 8 qh words, the values' fifth bits); the minimums come in
// through the activations' sums.
template <class Dot, bool kFifthBit>
struct KernelK4Rows8 {
  using Block = std::conditional_t<kFifthBit, BlockQ5_K, BlockQ4_K>;
  static constexpr size_t kBlockBytes = sizeof(Block) * 8;
  static constexpr int kQhWord = 4, kQsWord = kFifthBit ? 12 : 4;
  static constexpr size_t kInt16Dwords = kFifthBit ? 4 : 8;  // AVX2's int16 runs: 8 · 2 · 15 · 127, 4 · 2 · 31 · 127

  static __m256i Word(const uint8_t* blk, int k) { return LoadYmm(blk + 32 * k); }

  // The 8 rows' values 4g.. of sub-block s (0..15, Q5_K 0..31).
  static __m256i Values(const uint8_t* blk, int s, int g) {
    const __m256i m4 = _mm256_set1_epi8(0xF);
    const __m256i w = Word(blk, kQsWord + 8 * (s / 2) + g);
    const __m256i v = _mm256_and_si256(s % 2 ? _mm256_srli_epi16(w, 4) : w, m4);
    if constexpr (!kFifthBit) return v;
    // Bit s of each qh byte to 0x10; 16-bit shifts move no other byte's bit to bit 4 for s ≤ 7.
    const __m256i h = Word(blk, kQhWord + g);
    const __m256i at4 = s < 4 ? _mm256_slli_epi16(h, 4 - s) : s > 4 ? _mm256_srli_epi16(h, s - 4) : h;
    return _mm256_or_si256(v, _mm256_and_si256(at4, _mm256_set1_epi8(0x10)));
  }

  // As ScalesAndMinsK4, for 8 rows: byte s % 4 of each lane holds sub-block s's 6-bit scale (min),
  // sub-blocks 0..3 in the lo registers, 4..7 in the hi ones.
  static void ScalesAndMins(const uint8_t* blk, __m256i& sc_lo, __m256i& sc_hi, __m256i& mn_lo, __m256i& mn_hi) {
    const __m256i m4 = _mm256_set1_epi8(0xF), m6 = _mm256_set1_epi8(0x3F), m2 = _mm256_set1_epi8(0x03);
    const __m256i u0 = Word(blk, 1), u1 = Word(blk, 2), u2 = Word(blk, 3);
    sc_lo = _mm256_and_si256(u0, m6);
    sc_hi =
        _mm256_or_si256(_mm256_and_si256(u2, m4), _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(u0, 6), m2), 4));
    mn_lo = _mm256_and_si256(u1, m6);
    mn_hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(u2, 4), m4),
                            _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(u1, 6), m2), 4));
  }

  // The 8 rows' d and dmin.
  static void Scales(const uint8_t* blk, __m256& d, __m256& dmin) {
    // word 0 = d | dmin << 16 in each lane: the 8 d's to the low 128 bits, the 8 dmin's to the high.
    const __m256i halves = _mm256_set_m128i(_mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15),
                                            _mm_setr_epi8(0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15));
    const __m256i d_dmin = _mm256_permute4x64_epi64(_mm256_shuffle_epi8(Word(blk, 0), halves), 0xD8);
    d = _mm256_cvtph_ps(_mm256_castsi256_si128(d_dmin));
    dmin = _mm256_cvtph_ps(_mm256_extracti128_si256(d_dmin, 1));
  }

  // Lane s: d_x,s · (Σ of sub-block s's two 16-value sums), what the rows' min_s multiplies.
  static __m256 MinWeights(const BlockQ8K32& x) {
    const __m256i pair_sums = _mm256_madd_epi16(LoadYmm(x.bsums), _mm256_set1_epi16(1));
    return _mm256_mul_ps(_mm256_cvtepi32_ps(pair_sums), _mm256_loadu_ps(x.d));
  }

  // Lane r of y: row r's dot product with input x, over nb super-blocks.
  static __m256 Dot8(const uint8_t* panel, const BlockQ8K32* x, size_t nb, const uint8_t* next_panel) {
    __m256 acc = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
      const uint8_t* blk = panel + b * kBlockBytes;
      // The next call's panel, a super-block per super-block: from memory the hardware prefetchers
      // alone left these tiles at half speed, as they did the 32-blocks' panel tiles. Into L2, as
      // theirs: into L1, one Zen 4 thread read 8-15 GB/s from memory, into L2 20-26 (BM_MatMulDram).
      for (size_t line = 0; line < kBlockBytes; line += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(next_panel + b * kBlockBytes + line), _MM_HINT_T1);
      }
      __m256i sc_lo, sc_hi, mn_lo, mn_hi;
      ScalesAndMins(blk, sc_lo, sc_hi, mn_lo, mn_hi);
      alignas(32) float x_min[8];
      _mm256_store_ps(x_min, MinWeights(x[b]));
      __m256 sum = _mm256_setzero_ps(), sum_mins = _mm256_setzero_ps();
      #pragma GCC unroll 4
      for (int c = 0; c < 4; ++c) {  // 64 values: sub-block 2c in the low nibbles, 2c + 1 in the high
        const int8_t* xq = x[b].qs + 64 * c;
        const __m256i& scales = c < 2 ? sc_lo : sc_hi;
        const __m256i& mins = c < 2 ? mn_lo : mn_hi;
        const int s = 2 * c;
        const __m256i lo = ScaledRun<Dot, 8, kInt16Dwords>(
            [&](size_t g) { return Values(blk, s, static_cast<int>(g)); }, xq,
            _mm256_shuffle_epi8(scales, BytePairControl(s % 4)), _mm256_shuffle_epi8(scales, ByteControl(s % 4)));
        const __m256i hi =
            ScaledRun<Dot, 8, kInt16Dwords>([&](size_t g) { return Values(blk, s + 1, static_cast<int>(g)); }, xq + 32,
                                            _mm256_shuffle_epi8(scales, BytePairControl(s % 4 + 1)),
                                            _mm256_shuffle_epi8(scales, ByteControl(s % 4 + 1)));
        sum = _mm256_fmadd_ps(_mm256_cvtepi32_ps(lo), _mm256_set1_ps(x[b].d[s]), sum);
        sum = _mm256_fmadd_ps(_mm256_cvtepi32_ps(hi), _mm256_set1_ps(x[b].d[s + 1]), sum);
        sum_mins = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_shuffle_epi8(mins, ByteControl(s % 4))),
                                   _mm256_set1_ps(x_min[s]), sum_mins);
        sum_mins = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_shuffle_epi8(mins, ByteControl(s % 4 + 1))),
                                   _mm256_set1_ps(x_min[s + 1]), sum_mins);
      }
      __m256 d, dmin;
      Scales(blk, d, dmin);
      acc = _mm256_fmadd_ps(d, sum, acc);
      acc = _mm256_fnmadd_ps(dmin, sum_mins, acc);
    }
    return acc;
  }
};

template <class Dot>
using KernelQ4KRows8 = KernelK4Rows8<Dot, false>;
template <class Dot>
using KernelQ5KRows8 = KernelK4Rows8<Dot, true>;

// Q6_K: per half of 128 values and 4-value group g, ql words g and 8 + g hold quarters 0 and 1
// (low nibbles) and 2 and 3 (high), qh word g their high bits. The -32 of every stored value
// comes in per 16-value group as 32 · scale · Σ x (exact in int32 with the products), so each
// 32-value quarter still ends in one float multiply-add for all 8 rows. The quarters' values are
// built once per group of 4 words and used by both 16-value runs, so the runs here are written
// out rather than taken from ScaledRun.
template <class Dot>
struct KernelQ6KRows8 {
  static constexpr size_t kBlockBytes = sizeof(BlockQ6_K) * 8;
  static constexpr int kQhWord = 32, kScaleWord = 48, kTailWords = 52;

  // Signed byte b of each 32-bit lane to both int16 halves of it, sign-extended by the caller's
  // arithmetic shift: the byte goes to the high byte of each int16.
  static __m256i SignedPairControl(int b) {
    const __m128i c = _mm_setr_epi8(-1, b, -1, b, -1, 4 + b, -1, 4 + b, -1, 8 + b, -1, 8 + b, -1, 12 + b, -1, 12 + b);
    return _mm256_set_m128i(c, c);
  }
  // Scale t (0..15) of the 8 rows, int16 in both halves of each lane.
  static __m256i Scale(const uint8_t* blk, int t) {
    return _mm256_srai_epi16(_mm256_shuffle_epi8(LoadYmm(blk + 32 * (kScaleWord + t / 4)), SignedPairControl(t % 4)), 8);
  }
  // Scale t of the 8 rows, int32.
  static __m256i Scale32(const uint8_t* blk, int t) {
    return _mm256_srai_epi32(_mm256_shuffle_epi8(LoadYmm(blk + 32 * (kScaleWord + t / 4)), TopByteControl(t % 4)), 24);
  }

  // The unsigned values (0..63) of 4-value group g (dword g of each quarter) of half h, quarters 0..3.
  static void Quarters(const uint8_t* blk, int h, int g, __m256i q[4]) {
    const __m256i m4 = _mm256_set1_epi8(0xF), m30 = _mm256_set1_epi8(0x30);
    const __m256i a = LoadYmm(blk + 32 * (16 * h + g)), bq = LoadYmm(blk + 32 * (16 * h + 8 + g));
    const __m256i hb = LoadYmm(blk + 32 * (kQhWord + 8 * h + g));
    q[0] = _mm256_or_si256(_mm256_and_si256(a, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 4), m30));
    q[1] = _mm256_or_si256(_mm256_and_si256(bq, m4), _mm256_and_si256(_mm256_slli_epi16(hb, 2), m30));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(a, 4), m4), _mm256_and_si256(hb, m30));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bq, 4), m4),
                           _mm256_and_si256(_mm256_srli_epi16(hb, 2), m30));
  }

  static __m256 Dot8(const uint8_t* panel, const BlockQ8K32* x, size_t nb, const uint8_t* next_panel) {
    __m256 acc = _mm256_setzero_ps();
    for (size_t b = 0; b < nb; ++b) {
      const uint8_t* blk = panel + b * kBlockBytes;
      for (size_t line = 0; line < kBlockBytes; line += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(next_panel + b * kBlockBytes + line), _MM_HINT_T1);
      }
      __m256 sum = _mm256_setzero_ps();
      #pragma GCC unroll 2
      for (int h = 0; h < 2; ++h) {
        // Sums of quarter q: AVX2 int16 pairs [q][0] groups 0-1, [q][1] 2-3 (scale 8h + 2q), [q][2],
        // [q][3] groups 4-7; VNNI int32 [q][0] groups 0-3, [q][1] 4-7.
        __m256i part[4][4];
        #pragma GCC unroll 8
        for (int g = 0; g < 8; ++g) {
          __m256i q[4];
          Quarters(blk, h, g, q);
#pragma GCC unroll 4
          for (int qt = 0; qt < 4; ++qt) {
            const __m256i xb = _mm256_set1_epi32(LoadU32(x[b].qs + 128 * h + 32 * qt + 4 * g));
            if constexpr (Dot::kInt32Sums) {
              __m256i& run = part[qt][g / 4];
              run = Dot::AddLanes(g % 4 == 0 ? _mm256_setzero_si256() : run, q[qt], xb);
            } else {
              const __m256i prod = _mm256_maddubs_epi16(q[qt], xb);
              part[qt][g / 2] = g % 2 == 0 ? prod : _mm256_add_epi16(part[qt][g / 2], prod);
            }
          }
        }
        #pragma GCC unroll 4
        for (int qt = 0; qt < 4; ++qt) {
          const int j = 4 * h + qt, t = 8 * h + 2 * qt;  // sub-block of 32, first scale of 16
          __m256i isum;
          if constexpr (Dot::kInt32Sums) {
            // Σ (q - 32) · x = Σ q · x - 32 · Σ x per 16-value group, then times its scale.
            const __m256i g0 = _mm256_sub_epi32(part[qt][0], _mm256_set1_epi32(32 * x[b].bsums[2 * j]));
            const __m256i g1 = _mm256_sub_epi32(part[qt][1], _mm256_set1_epi32(32 * x[b].bsums[2 * j + 1]));
            isum = _mm256_add_epi32(_mm256_mullo_epi32(g0, Scale32(blk, t)), _mm256_mullo_epi32(g1, Scale32(blk, t + 1)));
          } else {
            const __m256i s0 = Scale(blk, t), s1 = Scale(blk, t + 1);
            isum = _mm256_add_epi32(
                _mm256_add_epi32(_mm256_madd_epi16(part[qt][0], s0), _mm256_madd_epi16(part[qt][1], s0)),
                _mm256_add_epi32(_mm256_madd_epi16(part[qt][2], s1), _mm256_madd_epi16(part[qt][3], s1)));
            // |16 · Σ x| ≤ 16 · 16 · 127 < 2^15: the offset's products in one vpmaddwd each.
            const __m256i off0 = _mm256_madd_epi16(s0, _mm256_set1_epi16(static_cast<int16_t>(16 * x[b].bsums[2 * j])));
            const __m256i off1 = _mm256_madd_epi16(s1, _mm256_set1_epi16(static_cast<int16_t>(16 * x[b].bsums[2 * j + 1])));
            isum = _mm256_sub_epi32(isum, _mm256_add_epi32(off0, off1));
          }
          sum = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(x[b].d[j]), sum);
        }
      }
      const __m256 d = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 32 * kTailWords)));
      acc = _mm256_fmadd_ps(d, sum, acc);
    }
    return acc;
  }
};

// The QGemmFn of 8-row panels: w is the panel of the first row; one input per pass over it, the
// next pass reading it from cache (decode has 1 to 3 inputs).
template <class K>
void GemmRows8(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb, float* y,
               size_t ldy) {
  const auto* xq = static_cast<const BlockQ8K32*>(x);
  const uint8_t* next_panel = w + 8 * w_stride;
  for (size_t i = 0; i < n; ++i) {
    alignas(32) float out[8];
    _mm256_store_ps(out, K::Dot8(w, xq + i * nb, nb, next_panel));
    for (size_t r = 0; r < rows; ++r) y[i * ldy + r] = out[r];
  }
}

}  // namespace
}  // namespace gemmakit
