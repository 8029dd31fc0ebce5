// 8-bit block dots with the ARMv8.2 dot-product extension: one sdot multiplies 16 byte pairs
// into four 32-bit sums. Compiled with +dotprod and used only where the CPU reports it; the float
// rows are arm_neon.cc's.
#include <arm_neon.h>

#include "kernels/dtype.h"
#include "kernels/matmul/dot_kernels.h"

namespace gemmakit {

float DotF32Neon(const float* w, const float* x, size_t n);
float DotBF16Neon(const uint16_t* w, const float* x, size_t n);
float DotF16Neon(const uint16_t* w, const float* x, size_t n);

namespace {

float DotQ8_0Sdot(const BlockQ8_0* w, const BlockQ8Act* x, size_t nb) {
  float acc = 0.f;
  for (size_t b = 0; b < nb; ++b) {
    int32x4_t s = vdotq_s32(vdupq_n_s32(0), vld1q_s8(w[b].qs), vld1q_s8(x[b].qs));
    s = vdotq_s32(s, vld1q_s8(w[b].qs + 16), vld1q_s8(x[b].qs + 16));
    acc += F16ToF32(w[b].d) * x[b].d * static_cast<float>(vaddvq_s32(s));
  }
  return acc;
}

float DotQ4_0Sdot(const BlockQ4_0* w, const BlockQ8Act* x, size_t nb) {
  float acc = 0.f;
  const uint8x16_t low = vdupq_n_u8(0x0F);
  for (size_t b = 0; b < nb; ++b) {
    const uint8x16_t q = vld1q_u8(w[b].qs);
    const int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(q, low)), hi = vreinterpretq_s8_u8(vshrq_n_u8(q, 4));
    int32x4_t s = vdotq_s32(vdupq_n_s32(0), lo, vld1q_s8(x[b].qs));
    s = vdotq_s32(s, hi, vld1q_s8(x[b].qs + 16));
    acc += F16ToF32(w[b].d) * (x[b].d * static_cast<float>(vaddvq_s32(s)) - 8.f * x[b].dsum);
  }
  return acc;
}

}  // namespace

const DotKernels* NeonDotprodDotKernelsImpl() {
  static const DotKernels k = {"neon-dotprod", DotF32Neon, DotBF16Neon, DotF16Neon, DotQ8_0Sdot, DotQ4_0Sdot,
                               DotQ4KScalar, DotQ5KScalar, DotQ6KScalar, DotBlocksScalar};
  return &k;
}

}  // namespace gemmakit
