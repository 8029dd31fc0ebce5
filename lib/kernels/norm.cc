#include "kernels/norm.h"

#include <cmath>

#include "kernels/vec.h"

namespace gemmakit {

void RmsNorm(const float* x, size_t n, size_t dim, const float* scale, float eps, float* y) {
  for (size_t i = 0; i < n; ++i) {
    const float* xi = x + i * dim;
    float* yi = y + i * dim;
    // Double: the mean of squares over thousands of features stays exact enough (partial sums:
    // one chain of double adds took ~1 ns an element, 1.6% of a 1B prompt).
    const double ss = DotF64(xi, xi, dim);
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
