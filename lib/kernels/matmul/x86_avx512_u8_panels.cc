// The affine u8 panel GEMM (u8_panels.h) on AVX-512 VNNI: rows unpacked a chunk at a time, then
// 2 panels (32 rows) × 4 inputs per register tile, as the Q8_0 panel kernel does, with a scale and
// a minimum per group instead of one f16 scale per block and a fixed offset.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/matmul/u8_panels.h"

namespace gemmakit {
namespace {

constexpr size_t kLanes = 16;   // rows per panel
constexpr size_t kInputs = 4;   // inputs per register tile (U8PanelInputs pads to it)
constexpr size_t kTilePanels = 2;  // panels per register tile (3 was no faster)

// Bytes of one group of a panel: 16 rows × G quants, then 16 scales and 16 mins.
constexpr size_t GroupBytes(size_t group) { return group * kLanes + 2 * kLanes * sizeof(float); }

inline __m512i Broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// y[t][16 p + lane] for kPanels panels × kInputs inputs (from i0), over every group. With an
// offset (U8Offset) each integer sum starts at -offset · Σq and the minimum's FMA goes: a fourth of
// the per-group float work, which costs about half as much as the group's 8 vpdpbusd (Q5_0, one
// Zen 4 thread, n = 256: 257-276 -> 278-292 GFLOP/s, Q6_K 198-215 -> 216-229; 1B Q4_K_M pp512
// 236-242 -> 240-251 t/s with Q5_0 alone).
template <size_t G, size_t kPanels, bool kOffset>
void Tile(const uint8_t* const panel[kPanels], size_t groups, const U8PanelInputs& x, size_t i0, float* y,
          size_t ldy, const __mmask16 mask[kPanels], size_t inputs, int offset) {
  constexpr size_t kDwords = G / 4, kGroupBytes = GroupBytes(G);
  __m512 acc[kPanels][kInputs];
  for (auto& a : acc) {
    for (auto& v : a) v = _mm512_setzero_ps();
  }
  const U8InputTile<kInputs> in(x, i0);
  for (size_t g = 0; g < groups; ++g) {
    __m512i sum[kPanels][kInputs];
    for (size_t t = 0; t < kInputs; ++t) {
      const __m512i start = kOffset ? _mm512_set1_epi32(-offset * in.c[t][g]) : _mm512_setzero_si512();
      for (size_t p = 0; p < kPanels; ++p) sum[p][t] = start;
    }
    for (size_t k = 0; k < kDwords; ++k) {
      __m512i wv[kPanels];
      for (size_t p = 0; p < kPanels; ++p) wv[p] = _mm512_loadu_si512(panel[p] + g * kGroupBytes + 64 * k);
      for (size_t t = 0; t < kInputs; ++t) {
        const __m512i xv = Broadcast4(in.q[t] + g * G + 4 * k);
        for (size_t p = 0; p < kPanels; ++p) sum[p][t] = _mm512_dpbusd_epi32(sum[p][t], wv[p], xv);
      }
    }
    for (size_t p = 0; p < kPanels; ++p) {
      const float* sm = reinterpret_cast<const float*>(panel[p] + g * kGroupBytes + G * kLanes);
      const __m512 scale = _mm512_loadu_ps(sm), min = _mm512_loadu_ps(sm + kLanes);
      for (size_t t = 0; t < kInputs; ++t) {
        const __m512 dx = _mm512_set1_ps(in.d[t][g * G / 32]);
        acc[p][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[p][t]), _mm512_mul_ps(scale, dx), acc[p][t]);
        if constexpr (!kOffset) acc[p][t] = _mm512_fmadd_ps(min, _mm512_set1_ps(in.s[t][g]), acc[p][t]);
      }
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    for (size_t p = 0; p < kPanels; ++p) _mm512_mask_storeu_ps(y + t * ldy + p * kLanes, mask[p], acc[p][t]);
  }
}

// Unpacked rows (u [rows × cols], scale and min [rows × groups]) into panels of 16 rows; rows past
// the last are zero.
void Transpose(const uint8_t* u, const float* scale, const float* min, size_t rows, size_t cols, size_t group,
               uint8_t* out) {
  const size_t groups = cols / group, group_bytes = GroupBytes(group);
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i quant_offsets = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int>(cols)));
  const __m512i group_offsets = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int>(groups)));
  for (size_t r0 = 0; r0 < rows; r0 += kLanes) {
    const __mmask16 valid = static_cast<__mmask16>((1u << std::min(kLanes, rows - r0)) - 1);
    uint8_t* panel = out + (r0 / kLanes) * groups * group_bytes;
    const uint8_t* base = u + r0 * cols;
    for (size_t g = 0; g < groups; ++g) {
      uint8_t* dst = panel + g * group_bytes;
      for (size_t k = 0; k < group / 4; ++k) {
        const __m512i v =
            _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), valid, quant_offsets, base + g * group + 4 * k, 1);
        _mm512_storeu_si512(dst + 64 * k, v);
      }
      float* sm = reinterpret_cast<float*>(dst + group * kLanes);
      _mm512_storeu_ps(sm, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), valid, group_offsets,
                                                     scale + r0 * groups + g, 4));
      _mm512_storeu_ps(sm + kLanes, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), valid, group_offsets,
                                                              min + r0 * groups + g, 4));
    }
  }
}

template <size_t G, size_t kPanels, bool kOffset, typename MaskOf>
void RunTile(const uint8_t* panels, size_t stride, size_t groups, size_t p, const U8PanelInputs& x, size_t i, float* y,
             size_t ldy, MaskOf mask_of, size_t inputs, int offset) {
  const uint8_t* pp[kPanels];
  __mmask16 m[kPanels];
  for (size_t k = 0; k < kPanels; ++k) pp[k] = panels + (p + k) * stride, m[k] = mask_of(p + k);
  Tile<G, kPanels, kOffset>(pp, groups, x, i, y + i * ldy + p * kLanes, ldy, m, inputs, offset);
}

template <size_t G, bool kOffset>
void RunPanels(const uint8_t* panels, size_t n_panels, size_t rows, size_t groups, const U8PanelInputs& x, size_t n,
               float* y, size_t ldy, int offset) {
  const size_t stride = groups * GroupBytes(G);
  auto mask_of = [&](size_t p) {
    return static_cast<__mmask16>((1u << std::min(kLanes, rows - std::min(rows, p * kLanes))) - 1);
  };
  for (size_t i = 0; i < n; i += kInputs) {
    const size_t inputs = std::min(kInputs, n - i);
    size_t p = 0;
    for (; p + kTilePanels <= n_panels; p += kTilePanels) {
      RunTile<G, kTilePanels, kOffset>(panels, stride, groups, p, x, i, y, ldy, mask_of, inputs, offset);
    }
    for (; p < n_panels; ++p) RunTile<G, 1, kOffset>(panels, stride, groups, p, x, i, y, ldy, mask_of, inputs, offset);
  }
}

using RunPanelsFn = void (*)(const uint8_t*, size_t, size_t, size_t, const U8PanelInputs&, size_t, float*, size_t,
                             int);
template <size_t G>
RunPanelsFn RunPanelsFor(int offset) {
  return offset != 0 ? RunPanels<G, true> : RunPanels<G, false>;
}

}  // namespace

void GemmU8PanelsAvx512(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1) {
  const size_t group = U8GroupSize(w.dtype), cols = w.cols, groups = cols / group;
  const int offset = U8Offset(w.dtype);
  const RunPanelsFn run = group == 16 ? RunPanelsFor<16>(offset) : RunPanelsFor<32>(offset);
  // A chunk's unpacked rows and their panels stay in L2 while every input passes them.
  const size_t chunk_rows = std::max<size_t>(2 * kLanes, (128 * 1024 / cols) / (2 * kLanes) * (2 * kLanes));
  thread_local std::vector<uint8_t> panels;
  panels.resize((chunk_rows / kLanes) * groups * GroupBytes(group));
  for (size_t c0 = r0; c0 < r1; c0 += chunk_rows) {
    const size_t rows = std::min(chunk_rows, r1 - c0), n_panels = (rows + kLanes - 1) / kLanes;
    const U8Rows unpacked = UnpackChunkU8Avx2(w, c0, rows);
    Transpose(unpacked.u, unpacked.scale, unpacked.min, rows, cols, group, panels.data());
    run(panels.data(), n_panels, rows, groups, x, n, y + c0, w.rows, offset);
  }
}

}  // namespace gemmakit
