#include "kernels/rope.h"

#include <cmath>
#include <vector>

namespace gemmakit {

void ApplyRope(float* x, size_t n, size_t n_heads, size_t head_dim, const int32_t* positions,
               const RopeParams& params) {
  const size_t half = head_dim / 2;
  std::vector<float> inv_freq(half), cos_v(half), sin_v(half);
  for (size_t i = 0; i < half; ++i) {
    // Same float32 formula as the reference so long positions round the same way.
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
    inv_freq[i] = 1.0f / std::pow(params.base, exponent) / params.linear_scale;
  }
  for (size_t t = 0; t < n; ++t) {
    const float pos = static_cast<float>(positions[t]);
    for (size_t i = 0; i < half; ++i) {
      const float angle = pos * inv_freq[i];
      cos_v[i] = std::cos(angle);
      sin_v[i] = std::sin(angle);
    }
    for (size_t h = 0; h < n_heads; ++h) {
      float* v = x + (t * n_heads + h) * head_dim;
      for (size_t i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half];
        v[i] = a * cos_v[i] - b * sin_v[i];
        v[i + half] = b * cos_v[i] + a * sin_v[i];
      }
    }
  }
}

}  // namespace gemmakit
