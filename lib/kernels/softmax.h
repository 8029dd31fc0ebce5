// Row-wise softmax of scale · x, in place: exp(scale·x - max) / sum, per row. The AVX-512
// variant computes exp with a degree-6 polynomial after range reduction (Cephes' expf,
// relative error ~1e-7), the scalar one with std::exp.
#pragma once

#include <cstddef>

#include "kernels/parallel.h"

namespace gemmakit {

// x: [rows, cols], rows split across the executor.
void SoftmaxRows(float* x, size_t rows, size_t cols, float scale, Executor* ex);
void SoftmaxRowsReference(float* x, size_t rows, size_t cols, float scale);

}  // namespace gemmakit
