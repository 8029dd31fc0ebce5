// The affine u8 panel GEMM (u8_panels.h) for the AVX2 tier: 8-row panels (ymm: one row per 32-bit
// lane), 1 panel × 4 inputs per register tile, templated on the byte dot product as the AVX2 and
// AVX-VNNI integer tiles are (x86_avx2_qgemm_tiles.h, the `Dot` policy). vpmaddubsw sums unsigned
// by signed byte pairs into int16 with saturation, so only types whose u stays under 64 take it
// (U8PanelsFitAvx2): two dwords' pair sums are at most 2 × 2 × 63 × 127 = 32004 before Dot::Lanes
// widens them (lower u allows longer runs: U8RunDwords). Include only from files compiled with AVX2 flags (internal linkage, as the tiles).
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/matmul/u8_panels.h"

namespace gemmakit {
namespace {

constexpr size_t kU8Lanes8 = 8;   // rows per panel
constexpr size_t kU8Inputs8 = 4;  // inputs per register tile (U8PanelInputs pads to it)

// Bytes of one group of an 8-row panel: 8 rows × G quants, then 8 scales and 8 mins.
constexpr size_t U8GroupBytes8(size_t group) { return group * kU8Lanes8 + 2 * kU8Lanes8 * sizeof(float); }

// Unpacked rows into 8-row panels; rows past the last are zero.
inline void TransposeU8Panels8(const uint8_t* u, const float* scale, const float* min, size_t rows, size_t cols,
                               size_t group, uint8_t* out) {
  const size_t groups = cols / group, group_bytes = U8GroupBytes8(group);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i quant_offsets = _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int>(cols)));
  const __m256i group_offsets = _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int>(groups)));
  for (size_t r0 = 0; r0 < rows; r0 += kU8Lanes8) {
    const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min(kU8Lanes8, rows - r0))), lane);
    uint8_t* panel = out + (r0 / kU8Lanes8) * groups * group_bytes;
    const uint8_t* base = u + r0 * cols;
    for (size_t g = 0; g < groups; ++g) {
      uint8_t* dst = panel + g * group_bytes;
      for (size_t k = 0; k < group / 4; ++k) {
        const __m256i v = _mm256_mask_i32gather_epi32(_mm256_setzero_si256(),
                                                      reinterpret_cast<const int*>(base + g * group + 4 * k),
                                                      quant_offsets, valid, 1);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 32 * k), v);
      }
      float* sm = reinterpret_cast<float*>(dst + group * kU8Lanes8);
      const __m256 fvalid = _mm256_castsi256_ps(valid);
      _mm256_storeu_ps(sm, _mm256_mask_i32gather_ps(_mm256_setzero_ps(), scale + r0 * groups + g, group_offsets, fvalid, 4));
      _mm256_storeu_ps(sm + kU8Lanes8,
                       _mm256_mask_i32gather_ps(_mm256_setzero_ps(), min + r0 * groups + g, group_offsets, fvalid, 4));
    }
  }
}

inline __m256i U8Broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Dwords of a group whose int16 pair sums (AVX2's vpmaddubsw) one run can add up before they are
// widened to int32: each dword adds at most 2 · max_u · 127 to a lane, so Q4_K's u ≤ 15 runs a
// whole 32-value group, Q5_K's 4 dwords, Q6_K's 2.
constexpr size_t U8RunDwords(int max_u, size_t group) {
  const int fit = 32767 / (2 * 127 * max_u);
  const size_t run = fit >= 8 ? 8 : fit >= 4 ? 4 : 2;
  return run < group / 4 ? run : group / 4;
}

// y[t][lane] for one panel × 4 inputs (from i0), over every group; the first `rows` lanes stored.
// The products run kRun dwords before Dot::Lanes adds them to int32: AVX2's int16 pair sums as
// many as U8RunDwords allows, AVX-VNNI's int32 sums a whole group. Against widening every two
// dwords, one Zen 5 thread, 256 inputs, best of 5 repetitions, twice, GFLOP/s: Q4_K AVX2 163–187 →
// 219–234 with the run loop kept rolled (unrolled, GCC reassociates the int16 sums into trees that
// spill, and it ran slower than before), AVX-VNNI 154–157 → 219–240 unrolled (rolled it lost a
// fifth); Q6_K AVX-VNNI 126–128 → 184–211 (AVX2's runs unchanged).
// kOffset: each integer sum starts at -offset · Σq and the minimum's FMA goes (U8Offset).
template <class Dot, size_t G, size_t kRun, bool kOffset>
void TileU8x8(const uint8_t* panel, size_t groups, const U8PanelInputs& x, size_t i0, float* y, size_t ldy, size_t rows,
              size_t inputs, int offset) {
  constexpr size_t kDwords = G / 4, kGroupBytes = U8GroupBytes8(G);
  static_assert(kRun % 2 == 0 && kDwords % kRun == 0, "whole runs of dword pairs per group");
  __m256 acc[kU8Inputs8];
  for (auto& a : acc) a = _mm256_setzero_ps();
  const U8InputTile<kU8Inputs8> in(x, i0);
  for (size_t g = 0; g < groups; ++g) {
    const uint8_t* q = panel + g * kGroupBytes;
    __m256i sum[kU8Inputs8];
    for (size_t t = 0; t < kU8Inputs8; ++t) {
      sum[t] = kOffset ? _mm256_set1_epi32(-offset * in.c[t][g]) : _mm256_setzero_si256();
    }
    for (size_t k0 = 0; k0 < kDwords; k0 += kRun) {
      typename Dot::Acc run[kU8Inputs8];
      for (auto& r : run) r = Dot::Zero();
      auto two_dwords = [&](size_t k) {
        const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32 * k));
        const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q + 32 * k + 32));
        for (size_t t = 0; t < kU8Inputs8; ++t) {
          const int8_t* xk = in.q[t] + g * G + 4 * k;
          run[t] = Dot::Add2(run[t], w0, U8Broadcast4(xk), w1, U8Broadcast4(xk + 4));
        }
      };
      if constexpr (Dot::kInt32Sums) {
        for (size_t k = k0; k < k0 + kRun; k += 2) two_dwords(k);
      } else {
        #pragma GCC unroll 1
        for (size_t k = k0; k < k0 + kRun; k += 2) two_dwords(k);
      }
      for (size_t t = 0; t < kU8Inputs8; ++t) sum[t] = _mm256_add_epi32(sum[t], Dot::Lanes(run[t]));
    }
    const float* sm = reinterpret_cast<const float*>(q + G * kU8Lanes8);
    const __m256 scale = _mm256_loadu_ps(sm), min = _mm256_loadu_ps(sm + kU8Lanes8);
    for (size_t t = 0; t < kU8Inputs8; ++t) {
      const __m256 dx = _mm256_set1_ps(in.d[t][g * G / 32]);
      acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[t]), _mm256_mul_ps(scale, dx), acc[t]);
      if constexpr (!kOffset) acc[t] = _mm256_fmadd_ps(min, _mm256_set1_ps(in.s[t][g]), acc[t]);
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    if (rows == kU8Lanes8) {
      _mm256_storeu_ps(y + t * ldy, acc[t]);
    } else {
      alignas(32) float tmp[kU8Lanes8];
      _mm256_store_ps(tmp, acc[t]);
      std::memcpy(y + t * ldy, tmp, rows * sizeof(float));
    }
  }
}

using U8TileFn = void (*)(const uint8_t*, size_t, const U8PanelInputs&, size_t, float*, size_t, size_t, size_t, int);

template <class Dot, size_t G, bool kOffset>
U8TileFn TileForGroup(int max_u) {
  if constexpr (Dot::kInt32Sums) return TileU8x8<Dot, G, G / 4, kOffset>;
  if (max_u <= 15) return TileU8x8<Dot, G, U8RunDwords(15, G), kOffset>;
  if (max_u <= 31) return TileU8x8<Dot, G, U8RunDwords(31, G), kOffset>;
  return TileU8x8<Dot, G, U8RunDwords(63, G), kOffset>;
}
template <class Dot, size_t G>
U8TileFn TileForGroup(int max_u, int offset) {
  return offset != 0 ? TileForGroup<Dot, G, true>(max_u) : TileForGroup<Dot, G, false>(max_u);
}

// Rows [r0, r1) of y = x · Wᵀ: rows unpacked a chunk at a time (its panels stay in L2 while every
// input passes them), then every input quad against every panel.
template <class Dot>
void GemmU8Panels8(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1) {
  const size_t group = U8GroupSize(w.dtype), cols = w.cols, groups = cols / group;
  const size_t chunk_rows = std::max<size_t>(2 * kU8Lanes8, (64 * 1024 / cols) / kU8Lanes8 * kU8Lanes8);
  thread_local std::vector<uint8_t> panels;
  panels.resize((chunk_rows / kU8Lanes8) * groups * U8GroupBytes8(group));
  const size_t stride = groups * U8GroupBytes8(group);
  const int max_u = U8MaxQuant(w.dtype), offset = U8Offset(w.dtype);
  const U8TileFn tile = group == 16 ? TileForGroup<Dot, 16>(max_u, offset) : TileForGroup<Dot, 32>(max_u, offset);
  for (size_t c0 = r0; c0 < r1; c0 += chunk_rows) {
    const size_t rows = std::min(chunk_rows, r1 - c0), n_panels = (rows + kU8Lanes8 - 1) / kU8Lanes8;
    const U8Rows unpacked = UnpackChunkU8Avx2(w, c0, rows);
    TransposeU8Panels8(unpacked.u, unpacked.scale, unpacked.min, rows, cols, group, panels.data());
    for (size_t i = 0; i < n; i += kU8Inputs8) {
      const size_t inputs = std::min(kU8Inputs8, n - i);
      for (size_t p = 0; p < n_panels; ++p) {
        const size_t panel_rows = std::min(kU8Lanes8, rows - p * kU8Lanes8);
        float* out = y + i * w.rows + c0 + p * kU8Lanes8;
        tile(panels.data() + p * stride, groups, x, i, out, w.rows, panel_rows, inputs, offset);
      }
    }
  }
}

}  // namespace
}  // namespace gemmakit
