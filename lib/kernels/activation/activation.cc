#include "kernels/activation.h"

#include <algorithm>
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
    case Isa::kAvx2:
    case Isa::kAvxVnni: return GeGluAvx2(gate, up, out, n);
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

void GaussianTopK(float* x, size_t n, size_t width, float z) {
  for (size_t r = 0; r < n; ++r) {
    float* row = x + r * width;
    double sum = 0;
    for (size_t i = 0; i < width; ++i) sum += row[i];
    const double mean = sum / static_cast<double>(width);
    double var = 0;
    for (size_t i = 0; i < width; ++i) var += (row[i] - mean) * (row[i] - mean);
    const float cutoff = static_cast<float>(mean + std::sqrt(var / static_cast<double>(width)) * z);
    for (size_t i = 0; i < width; ++i) row[i] = std::max(0.f, row[i] - cutoff);
  }
}

float NormalQuantile(double p) {
  // A rational first guess (Acklam's), then Newton steps on Φ(x) - p with Φ from erfc: double
  // precision, where the float32 result is what matters.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  for (int i = 0; i < 3; ++i) {
    const double err = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
    x -= err * std::sqrt(2 * 3.14159265358979323846) * std::exp(x * x / 2);
  }
  return static_cast<float>(x);
}

void SoftCap(float* x, size_t n, float cap) {
  const float inv = 1.0f / cap;
  for (size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] * inv);
}

}  // namespace gemmakit
