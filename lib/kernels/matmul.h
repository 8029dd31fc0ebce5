// y = x · Wᵀ for a weight matrix W of shape [rows, cols] stored in any supported type, the layout
// of a PyTorch Linear weight and of a GGUF matrix. Activations are float32.
#pragma once

#include <cstddef>
#include <string>

#include "kernels/dtype.h"
#include "kernels/parallel.h"

namespace gemmakit {

struct MatrixView {
  DType dtype = DType::kF32;
  const void* data = nullptr;
  size_t rows = 0;  // output features
  size_t cols = 0;  // input features
  // The same matrix repacked at load into the layout of kernels/matmul/panels.h (Q8_0 / Q4_0),
  // or null. When set, kernels read it instead of `data`; `data` may then be null.
  const void* panels = nullptr;

  // Row r converted to float32 into dst[cols].
  void RowToF32(size_t r, float* dst) const;
  // Row r in its stored encoding (DTypeBytes(dtype, cols) bytes), from the panels or `data`.
  void RowBytes(size_t r, void* dst) const;
};

struct MatMulOptions {
  // Prompt-sized products with BF16 weights may round the inputs to bf16 and use the CPU's bf16
  // dot products (AVX512_BF16): about twice as fast, with the inputs' rounding as extra error.
  bool bf16_inputs = false;
  // Products with Q8_0 / Q4_0 weights (and Q5_0 / Q5_1 on x86, where an integer micro-kernel takes
  // them) quantize the inputs to 8-bit blocks, as llama.cpp does;
  // that rounding is then the only error (about 5e-4 mean KL on llama.cpp's tiny Q8_0 files). With
  // two terms (QuantizeActivationsQ8Split: the blocks plus the blocks of their rounding error, run
  // as two inputs that share every weight load) the products are within float32 rounding of
  // exact math on the dequantized weights, for twice the integer work.
  bool two_term_q8_inputs = false;
};

// x: [n, cols] row-major; y: [n, rows]. Weight rows are converted once per call and reused for
// all n inputs, so a prefill of n tokens reads the weights once, like a decode step does.
void MatMul(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex, const MatMulOptions& options = {});

// The plain scalar definition every fast variant is tested against: float32 math on the
// dequantized weights, activations never quantized.
void MatMulReference(const float* x, size_t n, const MatrixView& w, float* y);

// Routes every MatMul through MatMulReference (process-wide), so a test can compare a whole
// model's fast path with exact math on the same weights.
void SetReferenceMatMul(bool enabled);

// Which kernels MatMul ran since the last reset (process-wide), per weight type for decode
// (n < 4) and prompts, e.g. "q8_0 decode: q8_0_q8_0_gemm_4x4__avx2, bf16 prompt: f32_gemm_16x6__avx2";
// the per-ISA row kernels show as their ISA followed by "dot rows".
std::string MatMulKernelsUsed();
void ResetMatMulKernelsUsed();

}  // namespace gemmakit
