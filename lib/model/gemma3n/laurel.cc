#include "model/gemma3n/laurel.h"

#include <vector>

#include "kernels/norm.h"

namespace gemmakit {

void Laurel(const LaurelWeights& w, const float* x, size_t n, size_t hidden, size_t rank, float eps, float* out,
            Executor* ex, const MatMulOptions& mm) {
  std::vector<float> low(n * rank);
  MatMul(x, n, w.left, low.data(), ex, mm);
  MatMul(low.data(), n, w.right, out, ex, mm);
  RmsNorm(out, n, hidden, w.post_norm.data(), eps, out);
  for (size_t i = 0; i < n * hidden; ++i) out[i] += x[i];
}

}  // namespace gemmakit
