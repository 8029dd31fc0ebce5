// The byte dot products the x86 ymm integer tiles are templated on (the `Dot` policy documented in
// x86_avx2_qgemm_tiles.h): unsigned by signed bytes, summed 4 at a time into 32-bit lanes.
//   Avx2Dot  vpmaddubsw into int16 pair sums (saturating: each tile bounds its runs), vpmaddwd by
//            ones to widen them.
//   VnniDot  vpdpbusd straight into int32: the VEX form where the file is compiled for AVX-VNNI
//            (Alder Lake and later Intel cores, Zen 5), the EVEX form on ymm where it is compiled
//            for AVX-512 VNNI + VL (Ice Lake, Zen 4: CPUs with AVX-512 but no AVX-VNNI). Same
//            instruction, same results.
// The integer sums are exact either way, so a tile gives the same floats with either policy.
// Include only from files compiled with AVX2 flags (internal linkage, as the tiles).
#pragma once

#include <immintrin.h>

#include <cstddef>

namespace gemmakit {
namespace {

struct Avx2Dot {
  using Acc = __m256i;  // int16 pair sums
  static constexpr size_t kChains = 1;  // independent int32 sums in the staged Q8_0 tile
  static constexpr bool kInt32Sums = false;  // int16 pair sums: tiles bound their runs
  static __m256i Zero() { return _mm256_setzero_si256(); }
  static __m256i Add(__m256i acc, __m256i u, __m256i s) { return _mm256_add_epi16(acc, _mm256_maddubs_epi16(u, s)); }
  static __m256i Add2(__m256i acc, __m256i u1, __m256i s1, __m256i u2, __m256i s2) {
    return _mm256_add_epi16(acc, _mm256_add_epi16(_mm256_maddubs_epi16(u1, s1), _mm256_maddubs_epi16(u2, s2)));
  }
  static __m256i Lanes(__m256i acc) { return _mm256_madd_epi16(acc, _mm256_set1_epi16(1)); }
  static __m256i AddLanes(__m256i s32, __m256i u, __m256i s) { return _mm256_add_epi32(s32, Lanes(_mm256_maddubs_epi16(u, s))); }
};

#if defined(__AVXVNNI__) || (defined(__AVX512VNNI__) && defined(__AVX512VL__))
inline __m256i DotBytes(__m256i s32, __m256i u, __m256i s) {
#if defined(__AVXVNNI__)
  return _mm256_dpbusd_avx_epi32(s32, u, s);
#else
  return _mm256_dpbusd_epi32(s32, u, s);
#endif
}

struct VnniDot {
  // Two int32 sums, so that Q4_0's 8 products per block form two chains of 4 vpdpbusd, not one of 8.
  struct Acc {
    __m256i a, b;
  };
  static constexpr size_t kChains = 2;  // independent int32 sums per input in the staged Q8_0 tile
  static constexpr bool kInt32Sums = true;
  static Acc Zero() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
  static Acc Add(Acc acc, __m256i u, __m256i s) { return {DotBytes(acc.a, u, s), acc.b}; }
  static Acc Add2(Acc acc, __m256i u1, __m256i s1, __m256i u2, __m256i s2) {
    return {DotBytes(acc.a, u1, s1), DotBytes(acc.b, u2, s2)};
  }
  static __m256i Lanes(Acc acc) { return _mm256_add_epi32(acc.a, acc.b); }
  static __m256i AddLanes(__m256i s32, __m256i u, __m256i s) { return DotBytes(s32, u, s); }
};
#endif

}  // namespace
}  // namespace gemmakit
