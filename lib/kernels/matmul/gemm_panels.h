// Prompt-sized matmul kernels (AVX-512) that repack weight rows into 16-row panels, so one vector
// instruction multiplies 16 rows at once against an input value broadcast from memory. Internal to
// kernels/matmul: matmul.cc picks them for n ≥ 4 inputs when the CPU has the instructions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/bf16_gemm.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/quant/activation_q8.h"

namespace gemmakit {

// 8-bit inputs for Q8_0 / Q4_0 weights, padded to a whole register tile of inputs.
struct PackedInputsQ8 {
  std::vector<int8_t> q;            // [input][cols]
  std::vector<int32_t> correction;  // [input][block]: minus the weight offset times Σq
  std::vector<float> scale;         // [input][block]
};
void PackInputsQ8(const BlockQ8Act* xq, size_t n, size_t cols, DType weight_type, PackedInputsQ8& out);
// Rows [r0, r1) of y = x · Wᵀ, any n; r0 a multiple of kPanelRows. Reads w.panels when the
// matrix was repacked at load, else repacks a chunk of rows at a time.
void GemmQ8Avx512(const MatrixView& w, const PackedInputsQ8& x, size_t n, float* y, size_t r0, size_t r1);

// Float inputs against weights of any type converted to float32: exact float32 products.
void GemmF32Avx512(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1);

// The vdpbf16ps kernel behind GemmBF16 (kernels/bf16_gemm.h). Needs AVX512_BF16.
void PackPanelsFromBF16Avx512(const uint16_t* src, size_t rows, size_t cols, uint32_t* out);
void PackPanelsFromF32RowsAvx512(const float* src, size_t rows, size_t cols, size_t row_stride, uint32_t* out);
void PackPanelsFromF32ColumnsAvx512(const float* src, size_t rows, size_t cols, size_t col_stride, uint32_t* out);
void PackInputPairsAvx512(const float* x, size_t n, size_t cols, size_t stride, uint32_t* out);
void GemmBF16PanelsAvx512(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y,
                          size_t ldy);

}  // namespace gemmakit
