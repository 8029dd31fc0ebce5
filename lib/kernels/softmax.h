// Row-wise softmax of scale · x, in place: exp(scale·x - max) / sum, per row. The AVX-512
// variant computes exp with a degree-6 polynomial after range reduction (Cephes' expf,
// relative error ~1e-7), the scalar one with std::exp.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/parallel.h"

namespace gemmakit {

// x: [rows, cols], rows split across the executor.
void SoftmaxRows(float* x, size_t rows, size_t cols, float scale, Executor* ex);
void SoftmaxRowsReference(float* x, size_t rows, size_t cols, float scale);

// Attention with bf16 products: out = bf16(exp(scale·x − max)) for one row, as the column pairs
// of kernels/bf16_gemm.h's inputs. Returns the float32 sum of the exps: the caller divides the
// product with V by it, a division per output rather than per score.
float ExpRowToBF16Pairs(const float* row, size_t cols, float scale, uint32_t* out);

}  // namespace gemmakit
