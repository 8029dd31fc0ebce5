// Matmul for Q8_0 and Q4_0 weights in panel layout (panels.h) with AVX-512 VNNI, for decode and
// prompts alike: one vpdpbusd multiplies 16 rows by 4 weights against 4 input bytes broadcast from
// memory, so a block's integer sums land in one register per (panel, input) and the block scales
// cost one convert and one FMA per 16 rows. A panel's 16 results are 16 adjacent outputs: no
// horizontal sums. Matrices not repacked at load are repacked here a cache-sized chunk at a time.
//
// vpdpbusd takes unsigned bytes from the register operand and signed bytes from the broadcast
// one: weights are stored unsigned (Q8_0: w + 128; Q4_0: the nibble, w + 8) and each sum starts
// from the matching correction -128·Σx or -8·Σx of that input block (PackInputsQ8).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/panels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {

void PackPanelsAvx512(const MatrixView& w, uint8_t* out, size_t p0, size_t p1);

namespace {

constexpr size_t kLanes = kPanelRows;
constexpr size_t kPromptInputs = 4;  // inputs per register tile for prompts

inline __m512i Broadcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

// y[t][16 p + lane] for kPanels panels × kInputs inputs (inputs i0.. of x), over all blocks.
// Decode passes `next`, the first of the next tile's panels, whose quants are prefetched into L2
// block by block (from memory, one Zen 4 thread, 262144 x 1152: Q4_0 12.2-16.9 -> 20.2-21.8 GB/s,
// Q8_0 unchanged at 20-22; into L1 instead it was slower).
template <bool kQ4, size_t kPanels, size_t kInputs>
void Tile(const uint8_t* const panel[kPanels], size_t nb, const PackedInputsQ8& x, size_t i0, float* y,
          size_t y_stride, const __mmask16 row_mask[kPanels], size_t inputs, const uint8_t* next = nullptr,
          size_t next_stride = 0) {
  constexpr size_t kQuantBytes = kQ4 ? kQK / 2 * kLanes : kQK * kLanes;
  __m512 acc[kPanels][kInputs];
  for (auto& a : acc) {
    for (auto& v : a) v = _mm512_setzero_ps();
  }
  const int8_t* xq[kInputs];
  const int32_t* xc[kInputs];
  const float* xd[kInputs];
  for (size_t t = 0; t < kInputs; ++t) {
    xq[t] = x.quants(i0 + t, nb), xc[t] = x.corrections(i0 + t, nb), xd[t] = x.scales(i0 + t, nb);
  }
  const uint16_t* scales[kPanels];
  for (size_t p = 0; p < kPanels; ++p) scales[p] = reinterpret_cast<const uint16_t*>(panel[p] + nb * kQuantBytes);
  for (size_t b = 0; b < nb; ++b) {
    if (next) {
      for (size_t p = 0; p < kPanels; ++p) {
        for (size_t line = 0; line < kQuantBytes; line += 64) {
          _mm_prefetch(reinterpret_cast<const char*>(next + p * next_stride + b * kQuantBytes + line), _MM_HINT_T1);
        }
      }
    }
    __m512i sum[kPanels][kInputs];
    for (size_t t = 0; t < kInputs; ++t) {
      const __m512i c = _mm512_set1_epi32(xc[t][b]);
      for (size_t p = 0; p < kPanels; ++p) sum[p][t] = c;
    }
    if constexpr (kQ4) {
      const __m512i low = _mm512_set1_epi8(0x0F);
      for (size_t h = 0; h < 4; ++h) {
        __m512i lo[kPanels], hi[kPanels];
        for (size_t p = 0; p < kPanels; ++p) {
          const __m512i v = _mm512_loadu_si512(panel[p] + b * kQuantBytes + 64 * h);
          lo[p] = _mm512_and_si512(v, low);
          hi[p] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
        }
        for (size_t t = 0; t < kInputs; ++t) {
          const __m512i x_lo = Broadcast4(xq[t] + b * kQK + 4 * h), x_hi = Broadcast4(xq[t] + b * kQK + 16 + 4 * h);
          for (size_t p = 0; p < kPanels; ++p) {
            sum[p][t] = _mm512_dpbusd_epi32(sum[p][t], lo[p], x_lo);
            sum[p][t] = _mm512_dpbusd_epi32(sum[p][t], hi[p], x_hi);
          }
        }
      }
    } else {
      for (size_t g = 0; g < 8; ++g) {
        __m512i wv[kPanels];
        for (size_t p = 0; p < kPanels; ++p) wv[p] = _mm512_loadu_si512(panel[p] + b * kQuantBytes + 64 * g);
        for (size_t t = 0; t < kInputs; ++t) {
          const __m512i xv = Broadcast4(xq[t] + b * kQK + 4 * g);
          for (size_t p = 0; p < kPanels; ++p) sum[p][t] = _mm512_dpbusd_epi32(sum[p][t], wv[p], xv);
        }
      }
    }
    for (size_t p = 0; p < kPanels; ++p) {
      const __m512 scale =
          _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(scales[p] + b * kLanes)));
      for (size_t t = 0; t < kInputs; ++t) {
        acc[p][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(sum[p][t]), _mm512_mul_ps(scale, _mm512_set1_ps(xd[t][b])),
                                    acc[p][t]);
      }
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    for (size_t p = 0; p < kPanels; ++p) _mm512_mask_storeu_ps(y + t * y_stride + p * kLanes, row_mask[p], acc[p][t]);
  }
}

// Panels [0, n_panels) of a panel-layout block of rows starting at row r0 of the output.
template <bool kQ4>
void RunPanels(const uint8_t* panels, size_t stride, size_t n_panels, size_t rows_left, size_t nb,
               const PackedInputsQ8& x, size_t n, float* y, size_t y_stride) {
  auto mask_of = [&](size_t p) {
    return static_cast<__mmask16>((1u << std::min(kLanes, rows_left - std::min(rows_left, p * kLanes))) - 1);
  };
  if (n < kPromptInputs) {
    // Decode: four panels at a time give four independent chains of vpdpbusd.
    for (size_t i = 0; i < n; ++i) {
      size_t p = 0;
      for (; p + 4 <= n_panels; p += 4) {
        const uint8_t* pp[4] = {panels + p * stride, panels + (p + 1) * stride, panels + (p + 2) * stride,
                                panels + (p + 3) * stride};
        const __mmask16 m[4] = {mask_of(p), mask_of(p + 1), mask_of(p + 2), mask_of(p + 3)};
        const uint8_t* next = p + 8 <= n_panels ? panels + (p + 4) * stride : nullptr;
        Tile<kQ4, 4, 1>(pp, nb, x, i, y + i * y_stride + p * kLanes, y_stride, m, 1, next, stride);
      }
      for (; p < n_panels; ++p) {
        const uint8_t* pp[1] = {panels + p * stride};
        const __mmask16 m[1] = {mask_of(p)};
        Tile<kQ4, 1, 1>(pp, nb, x, i, y + i * y_stride + p * kLanes, y_stride, m, 1);
      }
    }
    return;
  }
  for (size_t i = 0; i < n; i += kPromptInputs) {
    const size_t inputs = std::min(kPromptInputs, n - i);
    size_t p = 0;
    for (; p + 2 <= n_panels; p += 2) {
      const uint8_t* pp[2] = {panels + p * stride, panels + (p + 1) * stride};
      const __mmask16 m[2] = {mask_of(p), mask_of(p + 1)};
      Tile<kQ4, 2, kPromptInputs>(pp, nb, x, i, y + i * y_stride + p * kLanes, y_stride, m, inputs);
    }
    if (p < n_panels) {
      const uint8_t* pp[1] = {panels + p * stride};
      const __mmask16 m[1] = {mask_of(p)};
      Tile<kQ4, 1, kPromptInputs>(pp, nb, x, i, y + i * y_stride + p * kLanes, y_stride, m, inputs);
    }
  }
}

}  // namespace

void GemmQ8Avx512(const MatrixView& w, const PackedInputsQ8& x, size_t n, float* y, size_t r0, size_t r1) {
  RunPanelKernel(w, x, n, y, r0, r1, PackPanelsAvx512, w.dtype == DType::kQ4_0 ? RunPanels<true> : RunPanels<false>);
}

}  // namespace gemmakit
