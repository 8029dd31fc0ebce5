// float32 → K-quants (Q2_K … Q6_K) and IQ4_NL / IQ4_XS, by the searches llama-quantize runs when
// it has no importance matrix (ggml-quants.c: quantize_row_q*_K_ref, quantize_iq4_nl/xs), so the
// blocks match the files llama.cpp writes. Every float operation keeps ggml's order.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/quant.h"
#include "kernels/quant/rounding.h"

namespace gemmakit {
namespace {

constexpr float kGroupMaxEps = 1e-15f;

// Scale and minimum for n values as scale · L + min, L in [0, nmax], minimising the weighted
// error (squared, or absolute when use_mad) over nstep + 1 trial scales. Returns the scale and
// stores -min in *neg_min.
float FitScaleMin(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min, float rmin,
                  float rdelta, int nstep, bool use_mad) {
  float min = x[0], max = x[0];
  float sum_w = w[0], sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *neg_min = -min;
    return 0.f;
  }
  auto error_of = [&](float diff) { return use_mad ? std::fabs(diff) : diff * diff; };
  float iscale = static_cast<float>(nmax) / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<uint8_t>(std::max(0, std::min(nmax, NearestInt(iscale * (x[i] - min)))));
    best_error += w[i] * error_of(scale * L[i] + min - x[i]);
  }
  uint8_t trial[32];
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::max(0, std::min(nmax, NearestInt(iscale * (x[i] - min))));
      trial[i] = static_cast<uint8_t>(l);
      sum_l += w[i] * static_cast<float>(l);
      sum_l2 += w[i] * static_cast<float>(l) * static_cast<float>(l);
      sum_xl += w[i] * static_cast<float>(l) * x[i];
    }
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (det > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float error = 0;
      for (int i = 0; i < n; ++i) error += w[i] * error_of(this_scale * trial[i] + this_min - x[i]);
      if (error < best_error) {
        std::memcpy(L, trial, static_cast<size_t>(n));
        best_error = error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *neg_min = -min;
  return scale;
}

// Levels l = clamp(round(iscale · x), -nmax, nmax - 1) of a symmetric fit with weights x²: stores
// l + offset in L (when not null) and returns Σ w·x·l, with Σ w·l² in *suml2.
float SymmetricLevels(int n, int nmax, const float* x, float iscale, int8_t* L, int offset, float* suml2) {
  float sumlx = 0;
  *suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = std::max(-nmax, std::min(nmax - 1, NearestInt(iscale * x[i])));
    if (L) L[i] = static_cast<int8_t>(l + offset);
    const float w = x[i] * x[i];
    sumlx += w * x[i] * static_cast<float>(l);
    *suml2 += w * static_cast<float>(l) * static_cast<float>(l);
  }
  return sumlx;
}

// Symmetric scale for n values, L in [0, 2·nmax) stored with offset nmax, weights x² (Q6_K):
// ggml's make_qx_quants with rmse_type 1 and 19 trial scales.
float FitScaleSymmetric(int n, int nmax, const float* x, int8_t* L) {
  const float max = LargestMagnitude(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  float suml2;
  float sumlx = SymmetricLevels(n, nmax, x, static_cast<float>(-nmax) / max, L, nmax, &suml2);
  float scale = suml2 != 0.f ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    const float iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sumlx = SymmetricLevels(n, nmax, x, iscale, nullptr, nmax, &suml2);
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      SymmetricLevels(n, nmax, x, iscale, L, nmax, &suml2);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Symmetric 3-bit scale for 16 values (Q3_K): ggml's make_q3_quants with its coordinate descent
// on the weighted (x²) error. L gets values in [0, 2·nmax).
float FitScaleQ3(int n, int nmax, const float* x, int8_t* L) {
  const float max = LargestMagnitude(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.f;
  }
  float suml2;
  float sumlx = SymmetricLevels(n, nmax, x, static_cast<float>(-nmax) / max, L, 0, &suml2);
  for (int pass = 0; pass < 5; ++pass) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * static_cast<float>(L[i]);
      if (slx > 0) {
        float sl2 = suml2 - w * static_cast<float>(L[i]) * static_cast<float>(L[i]);
        const int l = std::max(-nmax, std::min(nmax - 1, NearestInt(x[i] * sl2 / slx)));
        if (l != L[i]) {
          slx += w * x[i] * static_cast<float>(l);
          sl2 += w * static_cast<float>(l) * static_cast<float>(l);
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(l);
            sumlx = slx;
            suml2 = sl2;
            ++changed;
          }
        }
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// Packs 2-bit fields four to a byte as Q2_K and Q3_K store them (see dequantize.cc).
void PackCrumbs(const uint8_t* L, uint8_t* qs) {
  for (int j = 0; j < kQKK; j += 128) {
    for (int l = 0; l < 32; ++l) {
      qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
    }
  }
}

// Q4_K / Q5_K: 8 sub-blocks of 32 fitted as scale · L - min with L in [0, nmax], the 6-bit scale
// and min codes packed into `scales`, then L recomputed from the rounded codes.
void QuantizeScaleMinK(const float* x, int nmax, float rmin, int nstep, uint16_t* d_out, uint16_t* dmin_out,
                       uint8_t* packed, uint8_t* L) {
  float scales[8], mins[8], w[32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    const float* v = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += v[l] * v[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) w[l] = av_x + std::fabs(v[l]);
    scales[j] = FitScaleMin(32, nmax, v, w, L + 32 * j, &mins[j], rmin, 0.1f, nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  std::memset(packed, 0, 12);
  for (int j = 0; j < 8; ++j) {
    const uint8_t ls = std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_scale * scales[j])));
    const uint8_t lm = std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_min * mins[j])));
    if (j < 4) {
      packed[j] = ls;
      packed[j + 4] = lm;
    } else {
      packed[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
      packed[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
      packed[j] |= static_cast<uint8_t>((lm >> 4) << 6);
    }
  }
  *d_out = F32ToF16(max_scale / 63.f);
  *dmin_out = F32ToF16(max_min / 63.f);
  for (int j = 0; j < 8; ++j) {
    uint8_t sc, m;
    UnpackScaleMinK4(j, packed, &sc, &m);
    const float d = F16ToF32(*d_out) * sc;
    if (d == 0.f) continue;
    const float dm = F16ToF32(*dmin_out) * m;
    for (int l = 0; l < 32; ++l) {
      L[32 * j + l] = static_cast<uint8_t>(std::max(0, std::min(nmax, NearestInt((x[32 * j + l] + dm) / d))));
    }
  }
}

// The index of the IQ4_NL level nearest to v (ties to the lower one unless strictly nearer).
int NearestIQ4Index(float v) {
  const int8_t* t = kIQ4NLValues;
  if (v <= t[0]) return 0;
  if (v >= t[15]) return 15;
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (v < t[mid]) hi = mid;
    else lo = mid;
  }
  return v - t[hi - 1] < t[hi] - v ? hi - 1 : hi;
}

// IQ4_NL and IQ4_XS: one super-block of `elems` values (32 or 256) in sub-blocks of 32, each
// fitted with 15 trial scales (weights x²); for IQ4_XS the sub-block scales are then quantized
// to 6 bits against one f16 scale. L gets the indices of all elems values.
void QuantizeIQ4(const float* x, int elems, uint16_t* d_out, uint16_t* scales_h, uint8_t* scales_l, uint8_t* qs) {
  constexpr int kTries = 7;
  const int8_t* values = kIQ4NLValues;
  uint8_t L[kQKK];
  float scales[kQKK / kQK], w[kQK];
  *d_out = F32ToF16(0.f);
  float max_scale = 0, amax_scale = 0;
  for (int ib = 0; ib < elems / kQK; ++ib) {
    const float* xb = x + ib * kQK;
    uint8_t* Lb = L + ib * kQK;
    std::memset(Lb, 0, kQK);
    for (int j = 0; j < kQK; ++j) w[j] = xb[j] * xb[j];
    const float max = LargestMagnitude(xb, kQK);
    if (std::fabs(max) < kGroupMaxEps) {
      scales[ib] = 0;
      continue;
    }
    float d = -max / values[0];
    float id = 1 / d;
    float sumqx = 0, sumq2 = 0;
    for (int j = 0; j < kQK; ++j) {
      const int l = NearestIQ4Index(id * xb[j]);
      Lb[j] = static_cast<uint8_t>(l);
      const float q = values[l];
      sumqx += w[j] * q * xb[j];
      sumq2 += w[j] * q * q;
    }
    d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int t = -kTries; t <= kTries; ++t) {
      id = static_cast<float>(t + values[0]) / max;
      sumqx = sumq2 = 0;
      for (int j = 0; j < kQK; ++j) {
        const float q = values[NearestIQ4Index(id * xb[j])];
        sumqx += w[j] * q * xb[j];
        sumq2 += w[j] * q * q;
      }
      if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
        d = sumqx / sumq2;
        best = d * sumqx;
      }
    }
    scales[ib] = d;
    if (std::fabs(d) > amax_scale) {
      amax_scale = std::fabs(d);
      max_scale = d;
    }
  }
  if (elems > kQK) {
    *scales_h = 0;
    const float d = -max_scale / 32;
    *d_out = F32ToF16(d);
    const float id = d != 0.f ? 1 / d : 0.f;
    for (int ib = 0; ib < elems / kQK; ++ib) {
      int l = std::max(-32, std::min(31, NearestInt(id * scales[ib])));
      const float dl = d * static_cast<float>(l);
      const float idl = dl != 0.f ? 1 / dl : 0.f;
      for (int j = 0; j < kQK; ++j) L[ib * kQK + j] = static_cast<uint8_t>(NearestIQ4Index(idl * x[ib * kQK + j]));
      l += 32;
      if (ib % 2 == 0) scales_l[ib / 2] = static_cast<uint8_t>(l & 0xF);
      else scales_l[ib / 2] |= static_cast<uint8_t>((l & 0xF) << 4);
      *scales_h = static_cast<uint16_t>(*scales_h | ((l >> 4) << (2 * ib)));
    }
  } else {
    *d_out = F32ToF16(scales[0]);
    const float id = scales[0] != 0.f ? 1 / scales[0] : 0;
    for (int j = 0; j < kQK; ++j) L[j] = static_cast<uint8_t>(NearestIQ4Index(id * x[j]));
  }
  for (int i = 0; i < elems / kQK; ++i) {
    for (int j = 0; j < kQK / 2; ++j) qs[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
  }
}

}  // namespace

void QuantizeQ2_K(const float* src, void* dst, size_t n) {
  BlockQ2_K* b = static_cast<BlockQ2_K*>(dst);
  constexpr float kLevels = 15.f;  // 4-bit scale and min codes
  uint8_t L[kQKK];
  float w[16], mins[16], scales[16];
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) w[l] = std::fabs(x[16 * j + l]);
      scales[j] = FitScaleMin(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    if (max_scale > 0) {
      const float iscale = kLevels / max_scale;
      for (int j = 0; j < 16; ++j) b[i].scales[j] = static_cast<uint8_t>(NearestInt(iscale * scales[j]));
      b[i].d = F32ToF16(max_scale / kLevels);
    } else {
      std::memset(b[i].scales, 0, sizeof b[i].scales);
      b[i].d = F32ToF16(0.f);
    }
    if (max_min > 0) {
      const float iscale = kLevels / max_min;
      for (int j = 0; j < 16; ++j) b[i].scales[j] |= static_cast<uint8_t>(NearestInt(iscale * mins[j]) << 4);
      b[i].dmin = F32ToF16(max_min / kLevels);
    } else {
      b[i].dmin = F32ToF16(0.f);
    }
    for (int j = 0; j < 16; ++j) {
      const float d = F16ToF32(b[i].d) * static_cast<float>(b[i].scales[j] & 0xF);
      if (d == 0.f) continue;
      const float dm = F16ToF32(b[i].dmin) * static_cast<float>(b[i].scales[j] >> 4);
      for (int l = 0; l < 16; ++l) {
        L[16 * j + l] = static_cast<uint8_t>(std::max(0, std::min(3, NearestInt((x[16 * j + l] + dm) / d))));
      }
    }
    PackCrumbs(L, b[i].qs);
  }
}

void QuantizeQ3_K(const float* src, void* dst, size_t n) {
  BlockQ3_K* b = static_cast<BlockQ3_K*>(dst);
  int8_t L[kQKK];
  float scales[16];
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    for (int j = 0; j < 16; ++j) scales[j] = FitScaleQ3(16, 4, x + 16 * j, L + 16 * j);
    const float max_scale = LargestMagnitude(scales, 16);
    std::memset(b[i].scales, 0, 12);
    if (max_scale != 0.f) {
      const float iscale = -32.f / max_scale;
      for (int j = 0; j < 16; ++j) {
        // ggml narrows to int8 before clamping.
        const int l = std::max(-32, std::min(31, static_cast<int>(static_cast<int8_t>(NearestInt(iscale * scales[j]))))) + 32;
        if (j < 8) b[i].scales[j] = static_cast<uint8_t>(l & 0xF);
        else b[i].scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
        b[i].scales[j % 4 + 8] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
      }
      b[i].d = F32ToF16(1 / iscale);
    } else {
      b[i].d = F32ToF16(0.f);
    }
    int8_t sc[16];
    UnpackScalesQ3K(b[i].scales, sc);
    for (int j = 0; j < 16; ++j) {
      const float d = F16ToF32(b[i].d) * static_cast<float>(sc[j]);
      if (d == 0.f) continue;
      for (int l = 0; l < 16; ++l) L[16 * j + l] = static_cast<int8_t>(std::max(-4, std::min(3, NearestInt(x[16 * j + l] / d))) + 4);
    }
    std::memset(b[i].hmask, 0, sizeof b[i].hmask);
    uint8_t low[kQKK];
    for (int j = 0; j < kQKK; ++j) {
      // Value j's high bit: byte j % 32, bit j / 32.
      if (L[j] > 3) b[i].hmask[j % 32] |= static_cast<uint8_t>(1 << (j / 32));
      low[j] = static_cast<uint8_t>(L[j] > 3 ? L[j] - 4 : L[j]);
    }
    PackCrumbs(low, b[i].qs);
  }
}

void QuantizeQ4_K(const float* src, void* dst, size_t n) {
  BlockQ4_K* b = static_cast<BlockQ4_K*>(dst);
  uint8_t L[kQKK];
  for (size_t i = 0; i < n / kQKK; ++i) {
    QuantizeScaleMinK(src + i * kQKK, 15, -1.f, 20, &b[i].d, &b[i].dmin, b[i].scales, L);
    uint8_t* q = b[i].qs;
    for (int j = 0; j < kQKK; j += 64, q += 32) {
      for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
  }
}

void QuantizeQ5_K(const float* src, void* dst, size_t n) {
  BlockQ5_K* b = static_cast<BlockQ5_K*>(dst);
  uint8_t L[kQKK];
  for (size_t i = 0; i < n / kQKK; ++i) {
    QuantizeScaleMinK(src + i * kQKK, 31, -0.5f, 15, &b[i].d, &b[i].dmin, b[i].scales, L);
    std::memset(b[i].qh, 0, sizeof b[i].qh);
    uint8_t* ql = b[i].qs;
    uint8_t m1 = 1, m2 = 2;
    for (int j = 0; j < kQKK; j += 64, ql += 32) {
      for (int l = 0; l < 32; ++l) {
        int l1 = L[j + l], l2 = L[j + l + 32];
        if (l1 > 15) {
          l1 -= 16;
          b[i].qh[l] |= m1;
        }
        if (l2 > 15) {
          l2 -= 16;
          b[i].qh[l] |= m2;
        }
        ql[l] = static_cast<uint8_t>(l1 | (l2 << 4));
      }
      m1 = static_cast<uint8_t>(m1 << 2);
      m2 = static_cast<uint8_t>(m2 << 2);
    }
  }
}

void QuantizeQ6_K(const float* src, void* dst, size_t n) {
  BlockQ6_K* b = static_cast<BlockQ6_K*>(dst);
  int8_t L[kQKK];
  float scales[16];
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    for (int s = 0; s < 16; ++s) scales[s] = FitScaleSymmetric(16, 32, x + 16 * s, L + 16 * s);
    const float max_scale = LargestMagnitude(scales, 16);
    if (std::fabs(max_scale) < kGroupMaxEps) {
      std::memset(&b[i], 0, sizeof b[i]);
      continue;
    }
    const float iscale = -128.f / max_scale;
    b[i].d = F32ToF16(1 / iscale);
    for (int s = 0; s < 16; ++s) b[i].scales[s] = static_cast<int8_t>(std::min(127, NearestInt(iscale * scales[s])));
    for (int s = 0; s < 16; ++s) {
      const float d = F16ToF32(b[i].d) * static_cast<float>(b[i].scales[s]);
      if (d == 0.f) continue;
      for (int l = 0; l < 16; ++l) L[16 * s + l] = static_cast<int8_t>(std::max(-32, std::min(31, NearestInt(x[16 * s + l] / d))) + 32);
    }
    uint8_t* ql = b[i].ql;
    uint8_t* qh = b[i].qh;
    for (int j = 0; j < kQKK; j += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; ++l) {
        const int q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
        ql[l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
        ql[l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
        qh[l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

void QuantizeIQ4_NL(const float* src, void* dst, size_t n) {
  BlockIQ4_NL* b = static_cast<BlockIQ4_NL*>(dst);
  uint16_t unused_h;
  for (size_t i = 0; i < n / kQK; ++i) QuantizeIQ4(src + i * kQK, kQK, &b[i].d, &unused_h, nullptr, b[i].qs);
}

void QuantizeIQ4_XS(const float* src, void* dst, size_t n) {
  BlockIQ4_XS* b = static_cast<BlockIQ4_XS*>(dst);
  for (size_t i = 0; i < n / kQKK; ++i) QuantizeIQ4(src + i * kQKK, kQKK, &b[i].d, &b[i].scales_h, b[i].scales_l, b[i].qs);
}

}  // namespace gemmakit
