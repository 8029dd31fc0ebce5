// A block's linear projection, as every family runs it: the base weight's product, then the
// low-rank deltas of the adapters active in each segment's sequence (model/lora.h). Blocks call
// this for q/k/v/o and gate/up/down and need not know whether any adapter is active.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "model/decoder.h"
#include "model/lora.h"

namespace gemmakit {

// y[n, w.rows] = x[n, w.cols]·Wᵀ, plus each segment's adapters on that segment's rows.
void Project(Projection p, size_t layer, const float* x, size_t n, const MatrixView& w,
             const std::vector<Segment>& segments, float* y, Executor* ex, const MatMulOptions& mm);

}  // namespace gemmakit
