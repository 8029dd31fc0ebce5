// GELU with the tanh approximation (PyTorch's gelu(approximate="tanh")) over a whole buffer, for
// encoders whose MLP is not gated. Runs the SIMD GeGLU kernels with a unit up-projection, so it
// shares their accuracy (relative error ~1e-7) and speed.
#pragma once

#include <cstddef>

#include "kernels/parallel.h"

namespace gemmakit {

void GeluTanhInPlace(float* x, size_t n, Executor* ex);

}  // namespace gemmakit
