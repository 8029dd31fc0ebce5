// RMSNorm: y = x / sqrt(mean(x²) + eps) · scale, computed in float32 per row.
#pragma once

#include <cstddef>

namespace gemmakit {

// x, y: [n, dim] (may alias). scale: [dim], or null for a scale-free norm. Callers that need
// Gemma's (1 + w) pass the already-added scale.
void RmsNorm(const float* x, size_t n, size_t dim, const float* scale, float eps, float* y);

}  // namespace gemmakit
