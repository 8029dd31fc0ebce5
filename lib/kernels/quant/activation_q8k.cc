#include "kernels/quant/activation_q8k.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu_features.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void QuantizeActivationsQ8K32Avx2(const float* x, BlockQ8K32* out, size_t n);
#endif

void QuantizeActivationsQ8K32(const float* x, BlockQ8K32* out, size_t n) {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool avx2 = BestIsa() != Isa::kScalar;
  if (avx2) return QuantizeActivationsQ8K32Avx2(x, out, n);
#endif
  QuantizeActivationsQ8K32Reference(x, out, n);
}

void QuantizeActivationsQ8K32Reference(const float* x, BlockQ8K32* out, size_t n) {
  for (size_t b = 0; b < n / 256; ++b) {
    BlockQ8K32& q = out[b];
    for (int j = 0; j < 8; ++j, x += 32) {
      float amax = 0.f, max = 0.f;
      for (int k = 0; k < 32; ++k) {
        if (std::fabs(x[k]) > amax) {
          amax = std::fabs(x[k]);
          max = x[k];
        }
      }
      // -127 / max, not 127 / amax: ggml's choice for Q8_K.
      const float iscale = amax == 0.f ? 0.f : -127.f / max;
      for (int k = 0; k < 32; ++k) {
        const long v = std::lrint(iscale * x[k]);  // the default rounding: to nearest, ties to even
        q.qs[32 * j + k] = static_cast<int8_t>(std::min<long>(127, v));
      }
      q.d[j] = amax == 0.f ? 0.f : 1.f / iscale;
    }
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int k = 0; k < 16; ++k) sum += q.qs[g * 16 + k];
      q.bsums[g] = static_cast<int16_t>(sum);
    }
  }
}

void QuantizeActivationsQ8K32Split(const float* x, BlockQ8K32* hi, BlockQ8K32* lo, size_t n) {
  QuantizeActivationsQ8K32(x, hi, n);
  float residual[256];
  for (size_t b = 0; b < n / 256; ++b) {
    for (size_t k = 0; k < 256; ++k) residual[k] = x[256 * b + k] - hi[b].d[k / 32] * static_cast<float>(hi[b].qs[k]);
    QuantizeActivationsQ8K32(residual, lo + b, 256);
  }
}

}  // namespace gemmakit
