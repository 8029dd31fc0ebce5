// LAuReL (Menghani et al., "Learned Augmented Residual Layer", 2024), Gemma 3n's low-rank
// variant: out = x + RMSNorm(right(left(x))), a rank-`laurel_rank` path beside attention.
#pragma once

#include <cstddef>

#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "model/gemma3n/gemma3n_weights.h"

namespace gemmakit {

// x, out: [n, hidden]; may not alias.
void Laurel(const LaurelWeights& w, const float* x, size_t n, size_t hidden, size_t rank, float eps, float* out,
            Executor* ex, const MatMulOptions& mm);

}  // namespace gemmakit
