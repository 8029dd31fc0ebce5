// Small float32 vector helpers shared by kernels. Written with independent partial sums so the
// compiler can vectorise them without -ffast-math.
#pragma once

#include <cstddef>

namespace gemmakit {

inline float Dot(const float* a, const float* b, size_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) s[k] += a[i + k] * b[i + k];
  }
  float tail = 0.f;
  for (; i < n; ++i) tail += a[i] * b[i];
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail;
}

// Σ a·b in double (each product exact): for sums of thousands of terms that feed a norm or a
// router. Eight partial sums: one chain of double adds waits out the add's latency per element.
inline double DotF64(const float* a, const float* b, size_t n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) s[k] += static_cast<double>(a[i + k]) * b[i + k];
  }
  double total = 0.0;
  for (size_t k = 0; k < 8; ++k) total += s[k];
  for (; i < n; ++i) total += static_cast<double>(a[i]) * b[i];
  return total;
}

// y += a * x
inline void Axpy(float a, const float* x, float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += a * x[i];
}

}  // namespace gemmakit
