// Block types → float32. The scalar definitions every fast kernel is checked against.
#include "kernels/quant/quant.h"

#include "kernels/dtype.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

// The 32 five-bit (or four-bit, when qh is null) values of a Q5_0 / Q5_1 / Q4_x block, in order:
// element j in the low nibble of byte j, element j + 16 in the high one, fifth bit j of qh.
inline void UnpackNibbles32(const uint8_t* qs, const uint8_t* qh, int* q) {
  uint32_t high = 0;
  if (qh) high = static_cast<uint32_t>(qh[0]) | static_cast<uint32_t>(qh[1]) << 8 |
                 static_cast<uint32_t>(qh[2]) << 16 | static_cast<uint32_t>(qh[3]) << 24;
  for (int j = 0; j < kQK / 2; ++j) {
    q[j] = (qs[j] & 0xF) | static_cast<int>(((high >> j) & 1) << 4);
    q[j + kQK / 2] = (qs[j] >> 4) | static_cast<int>(((high >> (j + 16)) & 1) << 4);
  }
}

}  // namespace

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

void DequantizeQ5_0(const void* src, float* dst, size_t n) {
  const BlockQ5_0* b = static_cast<const BlockQ5_0*>(src);
  int q[kQK];
  for (size_t i = 0; i < n / kQK; ++i) {
    const float d = F16ToF32(b[i].d);
    UnpackNibbles32(b[i].qs, b[i].qh, q);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = static_cast<float>(q[j] - 16) * d;
  }
}

// Q4_1 and Q5_1: q · d + m.
template <bool kFifthBit, typename Block>
void DequantizeWithMin(const void* src, float* dst, size_t n) {
  const Block* b = static_cast<const Block*>(src);
  int q[kQK];
  for (size_t i = 0; i < n / kQK; ++i) {
    const float d = F16ToF32(b[i].d), m = F16ToF32(b[i].m);
    if constexpr (kFifthBit) {
      UnpackNibbles32(b[i].qs, b[i].qh, q);
    } else {
      UnpackNibbles32(b[i].qs, nullptr, q);
    }
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = static_cast<float>(q[j]) * d + m;
  }
}

void DequantizeQ4_1(const void* src, float* dst, size_t n) { DequantizeWithMin<false, BlockQ4_1>(src, dst, n); }
void DequantizeQ5_1(const void* src, float* dst, size_t n) { DequantizeWithMin<true, BlockQ5_1>(src, dst, n); }

void DequantizeIQ4_NL(const void* src, float* dst, size_t n) {
  const BlockIQ4_NL* b = static_cast<const BlockIQ4_NL*>(src);
  int q[kQK];
  for (size_t i = 0; i < n / kQK; ++i) {
    const float d = F16ToF32(b[i].d);
    UnpackNibbles32(b[i].qs, nullptr, q);
    for (int j = 0; j < kQK; ++j) dst[i * kQK + j] = d * static_cast<float>(kIQ4NLValues[q[j]]);
  }
}

void DequantizeIQ4_XS(const void* src, float* dst, size_t n) {
  const BlockIQ4_XS* b = static_cast<const BlockIQ4_XS*>(src);
  int q[kQK];
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(b[i].d);
    for (int s = 0; s < kQKK / kQK; ++s) {
      const int ls = ((b[i].scales_l[s / 2] >> (4 * (s % 2))) & 0xF) | (((b[i].scales_h >> (2 * s)) & 3) << 4);
      const float dl = d * static_cast<float>(ls - 32);
      UnpackNibbles32(b[i].qs + s * (kQK / 2), nullptr, q);
      float* y = dst + i * kQKK + s * kQK;
      for (int j = 0; j < kQK; ++j) y[j] = dl * static_cast<float>(kIQ4NLValues[q[j]]);
    }
  }
}

// Q2_K and Q3_K store 2-bit fields four to a byte: in each 128-value half, byte l of the 32 holds
// values l (and l + 16 for the second 16-group) at shifts 0, 2, 4, 6 for groups 0..3 of 32.
void DequantizeQ2_K(const void* src, float* dst, size_t n) {
  const BlockQ2_K* b = static_cast<const BlockQ2_K*>(src);
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(b[i].d), dmin = F16ToF32(b[i].dmin);
    float* y = dst + i * kQKK;
    int is = 0;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q = b[i].qs + 32 * half;
      for (int shift = 0; shift < 8; shift += 2) {
        for (int g = 0; g < 2; ++g) {
          const uint8_t sc = b[i].scales[is++];
          const float dl = d * static_cast<float>(sc & 0xF), ml = dmin * static_cast<float>(sc >> 4);
          for (int l = 0; l < 16; ++l) *y++ = dl * static_cast<float>((q[16 * g + l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

void DequantizeQ3_K(const void* src, float* dst, size_t n) {
  const BlockQ3_K* b = static_cast<const BlockQ3_K*>(src);
  int8_t scales[16];
  for (size_t i = 0; i < n / kQKK; ++i) {
    const float d = F16ToF32(b[i].d);
    UnpackScalesQ3K(b[i].scales, scales);
    float* y = dst + i * kQKK;
    int is = 0;
    uint8_t bit = 1;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q = b[i].qs + 32 * half;
      for (int shift = 0; shift < 8; shift += 2, bit = static_cast<uint8_t>(bit << 1)) {
        for (int g = 0; g < 2; ++g) {
          const float dl = d * static_cast<float>(scales[is++]);
          for (int l = 0; l < 16; ++l) {
            const int v = ((q[16 * g + l] >> shift) & 3) - ((b[i].hmask[16 * g + l] & bit) ? 0 : 4);
            *y++ = dl * static_cast<float>(v);
          }
        }
      }
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
