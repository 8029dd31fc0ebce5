#include "kernels/activation.h"

#include <cmath>

#include "kernels/cpu_features.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void GeGluAvx2(const float* gate, const float* up, float* out, size_t n);
void GeGluAvx512(const float* gate, const float* up, float* out, size_t n);
#endif

float GeluTanh(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

void GeGluReference(const float* gate, const float* up, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = GeluTanh(gate[i]) * up[i];
}

void GeGlu(const float* gate, const float* up, float* out, size_t n) {
#if defined(__x86_64__) || defined(_M_X64)
  switch (BestIsa()) {
    case Isa::kAvx512: return GeGluAvx512(gate, up, out, n);
    case Isa::kAvx2: return GeGluAvx2(gate, up, out, n);
    case Isa::kScalar:
    case Isa::kNeon: break;
  }
#endif
  GeGluReference(gate, up, out, n);
}

void GeGluErf(const float* gate, const float* up, float* out, size_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  for (size_t i = 0; i < n; ++i) out[i] = 0.5f * gate[i] * (1.0f + std::erf(gate[i] * kInvSqrt2)) * up[i];
}

void SoftCap(float* x, size_t n, float cap) {
  const float inv = 1.0f / cap;
  for (size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

}  // namespace gemmakit
