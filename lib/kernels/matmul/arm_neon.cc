// Dot kernels with ARMv8 NEON (every ARM64 CPU has it): float rows with four FMA chains; 8-bit
// blocks with widening multiplies (vmull_s8 into 16-bit products, pairwise-added into 32-bit
// sums). CPUs with the dot-product extension get arm_neon_dotprod.cc's sdot versions instead.
#include <arm_neon.h>

#include "kernels/dtype.h"
#include "kernels/matmul/dot_kernels.h"

namespace gemmakit {

float DotF32Neon(const float* w, const float* x, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0.f), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = vfmaq_f32(a0, vld1q_f32(w + i), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, vld1q_f32(w + i + 4), vld1q_f32(x + i + 4));
    a2 = vfmaq_f32(a2, vld1q_f32(w + i + 8), vld1q_f32(x + i + 8));
    a3 = vfmaq_f32(a3, vld1q_f32(w + i + 12), vld1q_f32(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(w + i), vld1q_f32(x + i));
  float acc = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (; i < n; ++i) acc += w[i] * x[i];
  return acc;
}

float DotBF16Neon(const uint16_t* w, const float* x, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0.f), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const uint16x8_t lo = vld1q_u16(w + i), hi = vld1q_u16(w + i + 8);
    // bf16 is the top half of a float32: widen with a 16-bit left shift.
    a0 = vfmaq_f32(a0, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(lo), 16)), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, vreinterpretq_f32_u32(vshll_n_u16(vget_high_u16(lo), 16)), vld1q_f32(x + i + 4));
    a2 = vfmaq_f32(a2, vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(hi), 16)), vld1q_f32(x + i + 8));
    a3 = vfmaq_f32(a3, vreinterpretq_f32_u32(vshll_n_u16(vget_high_u16(hi), 16)), vld1q_f32(x + i + 12));
  }
  float acc = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (; i < n; ++i) acc += BF16ToF32(w[i]) * x[i];
  return acc;
}

float DotF16Neon(const uint16_t* w, const float* x, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0.f), a1 = a0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const float16x8_t h = vreinterpretq_f16_u16(vld1q_u16(w + i));
    a0 = vfmaq_f32(a0, vcvt_f32_f16(vget_low_f16(h)), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, vcvt_high_f32_f16(h), vld1q_f32(x + i + 4));
  }
  float acc = vaddvq_f32(vaddq_f32(a0, a1));
  for (; i < n; ++i) acc += F16ToF32(w[i]) * x[i];
  return acc;
}

namespace {

// Σ a[j]·b[j] over 16 signed bytes, as four 32-bit partial sums.
inline int32x4_t Dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
  const int16x8_t lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));
  const int16x8_t hi = vmull_high_s8(a, b);
  return vpadalq_s16(vpadalq_s16(acc, lo), hi);
}

float DotQ8_0Neon(const BlockQ8_0* w, const BlockQ8Act* x, size_t nb) {
  float acc = 0.f;
  for (size_t b = 0; b < nb; ++b) {
    int32x4_t s = vdupq_n_s32(0);
    s = Dot16(s, vld1q_s8(w[b].qs), vld1q_s8(x[b].qs));
    s = Dot16(s, vld1q_s8(w[b].qs + 16), vld1q_s8(x[b].qs + 16));
    acc += F16ToF32(w[b].d) * x[b].d * static_cast<float>(vaddvq_s32(s));
  }
  return acc;
}

float DotQ4_0Neon(const BlockQ4_0* w, const BlockQ8Act* x, size_t nb) {
  float acc = 0.f;
  const uint8x16_t low = vdupq_n_u8(0x0F);
  for (size_t b = 0; b < nb; ++b) {
    const uint8x16_t q = vld1q_u8(w[b].qs);
    // Nibbles 0..15 as signed bytes; the offset of 8 is taken off through Σx (dsum) below.
    const int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(q, low)), hi = vreinterpretq_s8_u8(vshrq_n_u8(q, 4));
    int32x4_t s = vdupq_n_s32(0);
    s = Dot16(s, lo, vld1q_s8(x[b].qs));
    s = Dot16(s, hi, vld1q_s8(x[b].qs + 16));
    acc += F16ToF32(w[b].d) * (x[b].d * static_cast<float>(vaddvq_s32(s)) - 8.f * x[b].dsum);
  }
  return acc;
}

}  // namespace

const DotKernels* NeonDotKernelsImpl() {
  static const DotKernels k = {"neon", DotF32Neon, DotBF16Neon, DotF16Neon, DotQ8_0Neon, DotQ4_0Neon,
                               DotQ4KScalar, DotQ5KScalar, DotQ6KScalar, DotBlocksScalar};
  return &k;
}

}  // namespace gemmakit
