// float32 → block types.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/quant.h"

namespace gemmakit {

void QuantizeQ8_0(const float* src, void* dst, size_t n) {
  BlockQ8_0* b = static_cast<BlockQ8_0*>(dst);
  for (size_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    float amax = 0.f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    b[i].d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) b[i].qs[j] = static_cast<int8_t>(std::lround(x[j] * id));
  }
}

void QuantizeQ4_0(const float* src, void* dst, size_t n) {
  BlockQ4_0* b = static_cast<BlockQ4_0*>(dst);
  for (size_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    // The signed value of largest magnitude maps to -8, using the full 4-bit range on that side.
    float amax = 0.f, max = 0.f;
    for (int j = 0; j < kQK; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    b[i].d = F32ToF16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j + kQK / 2] * id + 8.5f)));
      b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

namespace {

// Fits 8 sub-blocks of 32 values as scale · q - min with q in [0, nmax], and packs the 6-bit
// scale and min codes the way Q4_K and Q5_K store them. Writes the codes q to L[256].
void FitScaleMinK(const float* x, int nmax, uint16_t* d_out, uint16_t* dmin_out, uint8_t* scales, uint8_t* L) {
  float sub_scale[8], sub_min[8];
  for (int j = 0; j < 8; ++j) {
    const float* v = x + 32 * j;
    float lo = 0.f, hi = v[0];
    for (int l = 0; l < 32; ++l) {
      lo = std::min(lo, v[l]);
      hi = std::max(hi, v[l]);
    }
    sub_scale[j] = std::max(0.f, hi - lo) / static_cast<float>(nmax);
    sub_min[j] = -lo;
  }
  const float max_scale = *std::max_element(sub_scale, sub_scale + 8);
  const float max_min = *std::max_element(sub_min, sub_min + 8);
  const uint16_t d16 = F32ToF16(max_scale / 63.f), dmin16 = F32ToF16(max_min / 63.f);
  const float d = F16ToF32(d16), dmin = F16ToF32(dmin16);
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    ls[j] = static_cast<uint8_t>(d > 0.f ? std::min(63L, std::lround(sub_scale[j] / d)) : 0);
    lm[j] = static_cast<uint8_t>(dmin > 0.f ? std::min(63L, std::lround(sub_min[j] / dmin)) : 0);
    const float eff_d = d * ls[j], eff_m = dmin * lm[j];
    for (int l = 0; l < 32; ++l) {
      const long q = eff_d > 0.f ? std::lround((x[32 * j + l] + eff_m) / eff_d) : 0;
      L[32 * j + l] = static_cast<uint8_t>(std::clamp(q, 0L, static_cast<long>(nmax)));
    }
  }
  std::memset(scales, 0, 12);
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      scales[j] = ls[j];
      scales[j + 4] = lm[j];
    } else {
      scales[j + 4] = static_cast<uint8_t>((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
      scales[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
      scales[j] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
    }
  }
  *d_out = d16;
  *dmin_out = dmin16;
}

}  // namespace

void QuantizeQ4_K(const float* src, void* dst, size_t n) {
  BlockQ4_K* b = static_cast<BlockQ4_K*>(dst);
  uint8_t L[kQKK];
  for (size_t i = 0; i < n / kQKK; ++i) {
    FitScaleMinK(src + i * kQKK, 15, &b[i].d, &b[i].dmin, b[i].scales, L);
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
    FitScaleMinK(src + i * kQKK, 31, &b[i].d, &b[i].dmin, b[i].scales, L);
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
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float* x = src + i * kQKK;
    float sub_scale[16];
    float max_abs_scale = 0.f;
    for (int s = 0; s < 16; ++s) {
      float amax = 0.f;
      for (int l = 0; l < 16; ++l) amax = std::max(amax, std::fabs(x[16 * s + l]));
      sub_scale[s] = amax / 31.f;
      max_abs_scale = std::max(max_abs_scale, sub_scale[s]);
    }
    b[i].d = F32ToF16(max_abs_scale / 127.f);
    const float d = F16ToF32(b[i].d);
    uint8_t L[kQKK];
    for (int s = 0; s < 16; ++s) {
      const long sc = d > 0.f ? std::min(127L, std::lround(sub_scale[s] / d)) : 0;
      b[i].scales[s] = static_cast<int8_t>(sc);
      const float eff = d * static_cast<float>(sc);
      for (int l = 0; l < 16; ++l) {
        const long q = eff > 0.f ? std::lround(x[16 * s + l] / eff) : 0;
        L[16 * s + l] = static_cast<uint8_t>(std::clamp(q, -32L, 31L) + 32);
      }
    }
    uint8_t* ql = b[i].ql;
    uint8_t* qh = b[i].qh;
    for (int j = 0; j < kQKK; j += 128, ql += 64, qh += 32) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t q1 = L[j + l], q2 = L[j + l + 32], q3 = L[j + l + 64], q4 = L[j + l + 96];
        ql[l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
        ql[l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
        qh[l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
      }
    }
  }
}

}  // namespace gemmakit
