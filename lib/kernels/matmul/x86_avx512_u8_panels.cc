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
#include "kernels/quant/blocks.h"

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

// y[t][16 p + lane] for kPanels panels × kInputs inputs (from i0), over every group.
template <size_t G, size_t kPanels>
void Tile(const uint8_t* const panel[kPanels], size_t groups, const U8PanelInputs& x, size_t i0, float* y,
          size_t ldy, const __mmask16 mask[kPanels], size_t inputs) {
  constexpr size_t kDwords = G / 4, kGroupBytes = GroupBytes(G);
  __m512 acc[kPanels][kInputs];
  for (auto& a : acc) {
    for (auto& v : a) v = _mm512_setzero_ps();
  }
  const int8_t* xq[kInputs];
  const float* xd[kInputs];
  const float* xs[kInputs];
  for (size_t t = 0; t < kInputs; ++t) xq[t] = x.quants(i0 + t), xd[t] = x.scales(i0 + t), xs[t] = x.sums(i0 + t);
  for (size_t g = 0; g < groups; ++g) {
    __m512i sum[kPanels][kInputs];
    for (auto& s : sum) {
      for (auto& v : s) v = _mm512_setzero_si512();
    }
    for (size_t k = 0; k < kDwords; ++k) {
      __m512i wv[kPanels];
      for (size_t p = 0; p < kPanels; ++p) wv[p] = _mm512_loadu_si512(panel[p] + g * kGroupBytes + 64 * k);
      for (size_t t = 0; t < kInputs; ++t) {
        const __m512i xv = Broadcast4(xq[t] + g * G + 4 * k);
        for (size_t p = 0; p < kPanels; ++p) sum[p][t] = _mm512_dpbusd_epi32(sum[p][t], wv[p], xv);
      }
    }
    for (size_t p = 0; p < kPanels; ++p) {
      const float* sm = reinterpret_cast<const float*>(panel[p] + g * kGroupBytes + G * kLanes);
      const __m512 scale = _mm512_loadu_ps(sm), min = _mm512_loadu_ps(sm + kLanes);
      for (size_t t = 0; t < kInputs; ++t) {
        const __m512 dx = _mm512_set1_ps(xd[t][g * G / 32]);
        acc[p][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[p][t]), _mm512_mul_ps(scale, dx), acc[p][t]);
        acc[p][t] = _mm512_fmadd_ps(min, _mm512_set1_ps(xs[t][g]), acc[p][t]);
      }
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    for (size_t p = 0; p < kPanels; ++p) _mm512_mask_storeu_ps(y + t * ldy + p * kLanes, mask[p], acc[p][t]);
  }
}

inline __m256i Load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void Store32(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline float Half(uint16_t h) { return _cvtsh_ss(h); }

// Q5_0: the 16 nibble bytes split into 32 values, the fifth bits (one per value, in qh) made 0x10
// by a byte mask.
void UnpackQ5_0(const uint8_t* row, size_t blocks, uint8_t* u, float* scale, float* min) {
  const __m128i low = _mm_set1_epi8(0x0F);
  for (size_t b = 0; b < blocks; ++b) {
    const auto& blk = reinterpret_cast<const BlockQ5_0*>(row)[b];
    const __m128i qs = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
    const __m256i nibbles = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(qs, 4), low), _mm_and_si128(qs, low));
    uint32_t qh;
    std::memcpy(&qh, blk.qh, 4);
    Store32(u + 32 * b, _mm256_or_si256(nibbles, _mm256_maskz_mov_epi8(qh, _mm256_set1_epi8(0x10))));
    scale[b] = Half(blk.d), min[b] = -16.f * scale[b];
  }
}

// Q4_K / Q5_K: sub-block 2j from the low nibbles of bytes 32j.., 2j + 1 from the high ones; the
// fifth bit of sub-block s is bit s of qh[l].
template <bool kFifthBit, typename Block>
void UnpackK4(const uint8_t* row, size_t blocks, uint8_t* u, float* scale, float* min) {
  const __m256i low = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
  for (size_t b = 0; b < blocks; ++b) {
    const auto& blk = reinterpret_cast<const Block*>(row)[b];
    const float d = Half(blk.d), dmin = Half(blk.dmin);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFifthBit) qh = Load32(blk.qh);
    for (int j = 0; j < 4; ++j) {
      const __m256i q = Load32(blk.qs + 32 * j);
      __m256i lo = _mm256_and_si256(q, low), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
      if constexpr (kFifthBit) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one), 4));
      }
      Store32(u + 256 * b + 64 * j, lo);
      Store32(u + 256 * b + 64 * j + 32, hi);
    }
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      UnpackScaleMinK4(s, blk.scales, &sc, &m);
      scale[8 * b + s] = d * sc, min[8 * b + s] = -(dmin * m);
    }
  }
}

// Q6_K: per 128-value half, 64 bytes of low nibbles and 32 of high bit pairs.
void UnpackQ6_K(const uint8_t* row, size_t blocks, uint8_t* u, float* scale, float* min) {
  const __m256i low = _mm256_set1_epi8(0x0F), pair = _mm256_set1_epi8(0x30);
  for (size_t b = 0; b < blocks; ++b) {
    const auto& blk = reinterpret_cast<const BlockQ6_K*>(row)[b];
    const float d = Half(blk.d);
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = Load32(blk.ql + 64 * half), ql1 = Load32(blk.ql + 64 * half + 32);
      const __m256i qh = Load32(blk.qh + 32 * half);
      uint8_t* out = u + 256 * b + 128 * half;
      Store32(out, _mm256_or_si256(_mm256_and_si256(ql0, low), _mm256_and_si256(_mm256_slli_epi16(qh, 4), pair)));
      Store32(out + 32, _mm256_or_si256(_mm256_and_si256(ql1, low), _mm256_and_si256(_mm256_slli_epi16(qh, 2), pair)));
      Store32(out + 64, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low), _mm256_and_si256(qh, pair)));
      Store32(out + 96, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low),
                                        _mm256_and_si256(_mm256_srli_epi16(qh, 2), pair)));
    }
    for (int g = 0; g < 16; ++g) scale[16 * b + g] = d * blk.scales[g], min[16 * b + g] = -32.f * scale[16 * b + g];
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

template <size_t G, size_t kPanels, typename MaskOf>
void RunTile(const uint8_t* panels, size_t stride, size_t groups, size_t p, const U8PanelInputs& x, size_t i, float* y,
             size_t ldy, MaskOf mask_of, size_t inputs) {
  const uint8_t* pp[kPanels];
  __mmask16 m[kPanels];
  for (size_t k = 0; k < kPanels; ++k) pp[k] = panels + (p + k) * stride, m[k] = mask_of(p + k);
  Tile<G, kPanels>(pp, groups, x, i, y + i * ldy + p * kLanes, ldy, m, inputs);
}

template <size_t G>
void RunPanels(const uint8_t* panels, size_t n_panels, size_t rows, size_t groups, const U8PanelInputs& x, size_t n,
               float* y, size_t ldy) {
  const size_t stride = groups * GroupBytes(G);
  auto mask_of = [&](size_t p) {
    return static_cast<__mmask16>((1u << std::min(kLanes, rows - std::min(rows, p * kLanes))) - 1);
  };
  for (size_t i = 0; i < n; i += kInputs) {
    const size_t inputs = std::min(kInputs, n - i);
    size_t p = 0;
    for (; p + kTilePanels <= n_panels; p += kTilePanels) RunTile<G, kTilePanels>(panels, stride, groups, p, x, i, y, ldy, mask_of, inputs);
    for (; p < n_panels; ++p) RunTile<G, 1>(panels, stride, groups, p, x, i, y, ldy, mask_of, inputs);
  }
}

}  // namespace

void UnpackRowsU8Avx512(DType dtype, const uint8_t* rows, size_t row_stride, size_t n_rows, size_t cols, uint8_t* u,
                        float* scale, float* min) {
  using UnpackFn = void (*)(const uint8_t*, size_t, uint8_t*, float*, float*);
  UnpackFn fn = nullptr;
  size_t values = 256;
  switch (dtype) {
    case DType::kQ5_0: fn = UnpackQ5_0, values = 32; break;
    case DType::kQ4_K: fn = UnpackK4<false, BlockQ4_K>; break;
    case DType::kQ5_K: fn = UnpackK4<true, BlockQ5_K>; break;
    case DType::kQ6_K: fn = UnpackQ6_K; break;
    default: return UnpackRowsU8(dtype, rows, row_stride, n_rows, cols, u, scale, min);
  }
  const size_t groups = cols / U8GroupSize(dtype);
  for (size_t r = 0; r < n_rows; ++r) fn(rows + r * row_stride, cols / values, u + r * cols, scale + r * groups, min + r * groups);
}

void GemmU8PanelsAvx512(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1) {
  const size_t group = U8GroupSize(w.dtype), cols = w.cols, groups = cols / group;
  const size_t row_bytes = DTypeBytes(w.dtype, cols);
  // A chunk's unpacked rows and their panels stay in L2 while every input passes them.
  const size_t chunk_rows = std::max<size_t>(2 * kLanes, (128 * 1024 / cols) / (2 * kLanes) * (2 * kLanes));
  thread_local std::vector<uint8_t> u, panels;
  thread_local std::vector<float> scale, min;
  u.resize(chunk_rows * cols);
  scale.resize(chunk_rows * groups);
  min.resize(chunk_rows * groups);
  panels.resize((chunk_rows / kLanes) * groups * GroupBytes(group));
  for (size_t c0 = r0; c0 < r1; c0 += chunk_rows) {
    const size_t rows = std::min(chunk_rows, r1 - c0), n_panels = (rows + kLanes - 1) / kLanes;
    UnpackRowsU8Avx512(w.dtype, static_cast<const uint8_t*>(w.data) + c0 * row_bytes, row_bytes, rows, cols, u.data(),
                 scale.data(), min.data());
    Transpose(u.data(), scale.data(), min.data(), rows, cols, group, panels.data());
    if (group == 16) {
      RunPanels<16>(panels.data(), n_panels, rows, groups, x, n, y + c0, w.rows);
    } else {
      RunPanels<32>(panels.data(), n_panels, rows, groups, x, n, y + c0, w.rows);
    }
  }
}

}  // namespace gemmakit
