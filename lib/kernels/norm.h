// RMSNorm: y = x / sqrt(mean(x²) + eps) · scale, computed in float32 per row.
#pragma once

#include <cstddef>

#include "kernels/parallel.h"

namespace gemmakit {

// x, y: [n, dim] (may alias). scale: [dim], or null for a scale-free norm. Callers that need
// Gemma's (1 + w) pass the already-added scale.
void RmsNorm(const float* x, size_t n, size_t dim, const float* scale, float eps, float* y);
// The same with rows split across the executor (encoders' activations: thousands of rows).
void RmsNormRows(const float* x, size_t rows, size_t dim, const float* scale, float eps, float* y, Executor* ex);

}  // namespace gemmakit
