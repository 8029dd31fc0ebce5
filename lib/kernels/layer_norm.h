// LayerNorm: y = (x - mean) / sqrt(var + eps) * w + b per row, the biased variance as PyTorch's
// nn.LayerNorm computes it, in float32 with double accumulation.
#pragma once

#include <cstddef>

#include "kernels/parallel.h"

namespace gemmakit {

// x, y: [n, dim] (may alias); w, b: [dim].
void LayerNorm(const float* x, size_t n, size_t dim, const float* w, const float* b, float eps, float* y, Executor* ex);

}  // namespace gemmakit
