// Block types → float32. The scalar definitions every fast kernel is checked against.
#include "kernels/quant/quant.h"

#include "kernels/dtype.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {

void DequantizeQ8_0(const void* src, float* dst, size_t n) {
  const BlockQ8_0* b = static_cast<const BlockQ8_0*>(src);
  for (size_t i = 0; i < n / kQK; ++i) {
    const float d = F16ToF32(b[i].d);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = d * b[i].qs[j];
  }
}

void DequantizeQ4_0(const void* src, float* dst, size_t n) {
  const BlockQ4_0* b = static_cast<const BlockQ4_0*>(src);
  for (size_t i = 0; i < n / kQK; ++i) {
    const float d = F16ToF32(b[i].d);
    float* y = dst + i * kQK;
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>((b[i].qs[j] & 0xF) - 8);
      y[j + kQK / 2] = d * static_cast<float>((b[i].qs[j] >> 4) - 8);
    }
  }
}

void DequantizeQ4_K(const void* src, float* dst, size_t n) {
  const BlockQ4_K* b = static_cast<const BlockQ4_K*>(src);
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(b[i].d), dmin = F16ToF32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    float* y = dst + i * kQKK;
    for (int j = 0, is = 0; j < kQKK; j += 64, is += 2, q += 32) {
      uint8_t sc, m;
      UnpackScaleMinK4(is, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      UnpackScaleMinK4(is + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) y[j + l] = d1 * static_cast<float>(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) y[j + 32 + l] = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

void DequantizeQ5_K(const void* src, float* dst, size_t n) {
  const BlockQ5_K* b = static_cast<const BlockQ5_K*>(src);
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(b[i].d), dmin = F16ToF32(b[i].dmin);
    const uint8_t* ql = b[i].qs;
    const uint8_t* qh = b[i].qh;
    float* y = dst + i * kQKK;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < kQKK; j += 64, is += 2, ql += 32) {
      uint8_t sc, m;
      UnpackScaleMinK4(is, b[i].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      UnpackScaleMinK4(is + 1, b[i].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) y[j + l] = d1 * static_cast<float>((ql[l] & 0xF) + ((qh[l] & u1) ? 16 : 0)) - m1;
      for (int l = 0; l < 32; ++l) y[j + 32 + l] = d2 * static_cast<float>((ql[l] >> 4) + ((qh[l] & u2) ? 16 : 0)) - m2;
      u1 = static_cast<uint8_t>(u1 << 2);
      u2 = static_cast<uint8_t>(u2 << 2);
    }
  }
}

void DequantizeQ6_K(const void* src, float* dst, size_t n) {
  const BlockQ6_K* b = static_cast<const BlockQ6_K*>(src);
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(b[i].d);
    const uint8_t* ql = b[i].ql;
    const uint8_t* qh = b[i].qh;
    const int8_t* sc = b[i].scales;
    float* y = dst + i * kQKK;
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * static_cast<float>(q1);
        y[l + 32] = d * sc[is + 2] * static_cast<float>(q2);
        y[l + 64] = d * sc[is + 4] * static_cast<float>(q3);
        y[l + 96] = d * sc[is + 6] * static_cast<float>(q4);
      }
    }
  }
}

}  // namespace gemmakit
