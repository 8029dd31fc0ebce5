// The element-wise steps of Gemma 3n's audio tower, row-parallel over [rows, dim] activations.
#pragma once

#include <cstddef>

#include "kernels/parallel.h"

namespace gemmakit {

// x = min(max(x, -limit), limit): the tower's gradient_clipping, applied in inference too.
void ClampInPlace(float* x, size_t rows, size_t dim, float limit, Executor* ex);
// x = x · sigmoid(x)
void SiluInPlace(float* x, size_t rows, size_t dim, Executor* ex);
// x += scale · y
void AddScaledInPlace(float* x, const float* y, size_t rows, size_t dim, float scale, Executor* ex);

}  // namespace gemmakit
