// C = A · B for float32 row-major A [m × k] and B [k × n], with row strides: a broadcast-FMA
// register tile (rows of A against 64 columns of B at a time) that suits short reductions and
// narrow outputs, where MatMul's dot-product tiles spend their time in horizontal sums. Attention
// over a whole image uses it for Q·Kᵀ (k = head_dim) and P·V (n = head_dim).
#pragma once

#include <cstddef>

#include "kernels/parallel.h"

namespace gemmakit {

struct PanelGemmArgs {
  const float* a = nullptr;
  size_t lda = 0;  // floats between rows of A
  const float* b = nullptr;
  size_t ldb = 0;
  float* c = nullptr;
  size_t ldc = 0;
  size_t m = 0, n = 0, k = 0;
};

// Rows of C split across the executor.
void PanelGemm(const PanelGemmArgs& args, Executor* ex);
// Scalar definition for tests (double accumulation).
void PanelGemmReference(const PanelGemmArgs& args);

}  // namespace gemmakit
