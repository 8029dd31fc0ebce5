#include "model/projection.h"

namespace gemmakit {

void Project(Projection p, size_t layer, const float* x, size_t n, const MatrixView& w,
             const std::vector<Segment>& segments, float* y, Executor* ex, const MatMulOptions& mm) {
  MatMul(x, n, w, y, ex, mm);
  for (const Segment& s : segments) {
    if (s.lora == nullptr || s.lora->empty()) continue;
    AddLoraDeltas(*s.lora, layer, p, x + s.first * w.cols, s.n, y + s.first * w.rows, ex);
  }
}

}  // namespace gemmakit
