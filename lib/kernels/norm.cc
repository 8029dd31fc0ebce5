#include "kernels/norm.h"

#include <cmath>

namespace gemmakit {

void RmsNorm(const float* x, size_t n, size_t dim, const float* scale, float eps, float* y) {
  for (size_t i = 0; i < n; ++i) {
    const float* xi = x + i * dim;
    float* yi = y + i * dim;
    // Double: the mean of squares over thousands of features stays exact enough. In kChains
    // independent sums: one chain of double adds waits out the add's latency per element (~1 ns:
    // 2% of a 1B prompt, 1% of a decode step); the compiler vectorizes the chains.
    constexpr size_t kChains = 8;
    double part[kChains] = {};
    size_t j = 0;
    for (; j + kChains <= dim; j += kChains) {
      for (size_t c = 0; c < kChains; ++c) part[c] += static_cast<double>(xi[j + c]) * xi[j + c];
    }
    double ss = 0.0;
    for (size_t c = 0; c < kChains; ++c) ss += part[c];
    for (; j < dim; ++j) ss += static_cast<double>(xi[j]) * xi[j];
    const float inv = 1.0f / std::sqrt(static_cast<float>(ss / static_cast<double>(dim)) + eps);
    if (scale) {
      for (size_t j = 0; j < dim; ++j) yi[j] = xi[j] * inv * scale[j];
    } else {
      for (size_t j = 0; j < dim; ++j) yi[j] = xi[j] * inv;
    }
  }
}

void RmsNormRows(const float* x, size_t rows, size_t dim, const float* scale, float eps, float* y, Executor* ex) {
  ParallelFor(ex, rows, 16, [&](size_t r0, size_t r1) { RmsNorm(x + r0 * dim, r1 - r0, dim, scale, eps, y + r0 * dim); });
}

}  // namespace gemmakit
