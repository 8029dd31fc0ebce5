#include "model/gemma3n/laurel.h"

#include <vector>

#include "kernels/norm.h"
#include "model/blocks.h"

namespace gemmakit {

void Laurel(const LaurelWeights& w, const float* x, size_t n, size_t hidden, size_t rank, float eps, float* out,
            Executor* ex, const MatMulOptions& mm) {
  std::vector<float> low(n * rank);
  MatMul(x, n, w.left, low.data(), ex, mm);
  MatMul(low.data(), n, w.right, out, ex, mm);
  ForPromptRows(ex, n, [&](size_t r0, size_t r1) {
    float* o = out + r0 * hidden;
    RmsNorm(o, r1 - r0, hidden, w.post_norm.data(), eps, o);
    for (size_t i = 0; i < (r1 - r0) * hidden; ++i) o[i] += x[r0 * hidden + i];
  });
}

}  // namespace gemmakit
