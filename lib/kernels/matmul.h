// y = x · Wᵀ for a weight matrix W of shape [rows, cols] stored in any supported type, the layout
// of a PyTorch Linear weight and of a GGUF matrix. Activations are float32.
#pragma once

#include <cstddef>

#include "kernels/dtype.h"
#include "kernels/parallel.h"

namespace gemmakit {

struct MatrixView {
  DType dtype = DType::kF32;
  const void* data = nullptr;
  size_t rows = 0;  // output features
  size_t cols = 0;  // input features

  // Row r converted to float32 into dst[cols].
  void RowToF32(size_t r, float* dst) const;
};

// x: [n, cols] row-major; y: [n, rows]. Weight rows are converted once per call and reused for
// all n inputs, so a prefill of n tokens reads the weights once, like a decode step does.
void MatMul(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex);

// The plain scalar definition every fast variant is tested against: float32 math on the
// dequantized weights, activations never quantized.
void MatMulReference(const float* x, size_t n, const MatrixView& w, float* y);

// Routes every MatMul through MatMulReference (process-wide), so a test can compare a whole
// model's fast path with exact math on the same weights.
void SetReferenceMatMul(bool enabled);

}  // namespace gemmakit
