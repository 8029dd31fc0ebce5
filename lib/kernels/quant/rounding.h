// Small pieces ggml's quantizers share, kept bit-exact (quantize.cc, quantize_k.cc).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace gemmakit {

// Round half to even, as ggml's nearest_int (valid for |v| < 2^22).
inline int NearestInt(float v) {
  const float biased = v + 12582912.f;
  int32_t bits;
  std::memcpy(&bits, &biased, 4);
  return (bits & 0x007fffff) - 0x00400000;
}

// The value of largest magnitude among x[0..n) (the first of equals), 0 when all are 0.
inline float LargestMagnitude(const float* x, int n) {
  float amax = 0.f, max = 0.f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  return max;
}

}  // namespace gemmakit
