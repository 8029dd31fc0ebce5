// Prompt-sized matmul kernels (AVX-512) that repack weight rows into 16-row panels, so one vector
// instruction multiplies 16 rows at once against an input value broadcast from memory. Internal to
// kernels/matmul: matmul.cc picks them for n ≥ 4 inputs when the CPU has the instructions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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

// BF16 weights against inputs rounded to bf16 (vdpbf16ps, float32 sums); x_bf16 is [n][cols
// rounded up to even] as packed by PackInputsBF16. Needs AVX512_BF16.
void PackInputsBF16(const float* x, size_t n, size_t cols, std::vector<uint16_t>& out);
void GemmBF16Avx512(const MatrixView& w, const uint16_t* x_bf16, size_t n, float* y, size_t r0, size_t r1);

}  // namespace gemmakit
