#include "kernels/quant/activation_q8.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu_features.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void QuantizeActivationsQ8Avx2(const float* x, BlockQ8Act* out, size_t n);
#endif

void QuantizeActivationsQ8(const float* x, BlockQ8Act* out, size_t n) {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool avx2 = BestIsa() != Isa::kScalar;
  if (avx2) return QuantizeActivationsQ8Avx2(x, out, n);
#endif
  QuantizeActivationsQ8Reference(x, out, n);
}

void QuantizeActivationsQ8Reference(const float* x, BlockQ8Act* out, size_t n) {
  for (size_t b = 0; b < n / 32; ++b) {
    const float* v = x + 32 * b;
    float amax = 0.f;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(v[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      const int q = static_cast<int>(std::lrintf(v[j] * id));
      out[b].qs[j] = static_cast<int8_t>(q);
      sum += q;
    }
    out[b].d = d;
    out[b].dsum = d * static_cast<float>(sum);
  }
}

void QuantizeActivationsQ8Split(const float* x, BlockQ8Act* hi, BlockQ8Act* lo, size_t n) {
  QuantizeActivationsQ8(x, hi, n);
  float residual[32];
  for (size_t b = 0; b < n / 32; ++b) {
    for (int j = 0; j < 32; ++j) residual[j] = x[32 * b + j] - hi[b].d * static_cast<float>(hi[b].qs[j]);
    QuantizeActivationsQ8(residual, lo + b, 32);
  }
}

}  // namespace gemmakit
