#include "kernels/layer_norm.h"

#include <cmath>

namespace gemmakit {

void LayerNorm(const float* x, size_t n, size_t dim, const float* w, const float* b, float eps, float* y, Executor* ex) {
  ParallelFor(ex, n, 16, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) {
      const float* xi = x + i * dim;
      float* yi = y + i * dim;
      double sum = 0.0;
      for (size_t j = 0; j < dim; ++j) sum += xi[j];
      const double mean = sum / static_cast<double>(dim);
      double ss = 0.0;
      for (size_t j = 0; j < dim; ++j) {
        const double d = xi[j] - mean;
        ss += d * d;
      }
      const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(dim) + eps));
      const float m = static_cast<float>(mean);
      for (size_t j = 0; j < dim; ++j) yi[j] = (xi[j] - m) * inv * w[j] + b[j];
    }
  });
}

}  // namespace gemmakit
