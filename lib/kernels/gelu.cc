#include "kernels/gelu.h"

#include <algorithm>
#include <vector>

#include "kernels/activation.h"

namespace gemmakit {

void GeluTanhInPlace(float* x, size_t n, Executor* ex) {
  constexpr size_t kChunk = 4096;
  static const std::vector<float>* const kOnes = new std::vector<float>(kChunk, 1.0f);
  ParallelFor(ex, (n + kChunk - 1) / kChunk, 1, [&](size_t c0, size_t c1) {
    for (size_t c = c0; c < c1; ++c) {
      const size_t begin = c * kChunk, len = std::min(kChunk, n - begin);
      GeGlu(x + begin, kOnes->data(), x + begin, len);
    }
  });
}

}  // namespace gemmakit
