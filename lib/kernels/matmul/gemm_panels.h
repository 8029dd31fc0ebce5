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

// 8-bit inputs for Q8_0 / Q4_0 weights in panels, padded to a whole register tile of inputs (4
// in the AVX-512 kernel).
constexpr size_t kPackedInputsPad = 4;
struct PackedInputsQ8 {
  std::vector<int8_t> q;            // [input][cols]
  std::vector<int32_t> correction;  // [input][block]: minus the weight offset times Σq
  std::vector<float> scale;         // [input][block]
  // Input i's quants, corrections and scales, for nb blocks per input.
  const int8_t* quants(size_t i, size_t nb) const { return q.data() + i * nb * 32; }
  const int32_t* corrections(size_t i, size_t nb) const { return correction.data() + i * nb; }
  const float* scales(size_t i, size_t nb) const { return scale.data() + i * nb; }
};
void PackInputsQ8(const BlockQ8Act* xq, size_t n, size_t cols, DType weight_type, PackedInputsQ8& out);
// Rows [r0, r1) of y = x · Wᵀ, any n; r0 a multiple of kPanelRows. Reads w.panels when the
// matrix was repacked at load, else repacks a chunk of rows at a time.
void GemmQ8Avx512(const MatrixView& w, const PackedInputsQ8& x, size_t n, float* y, size_t r0, size_t r1);

// The float32 GEMM's inputs, interleaved once per call so that a tile reads its broadcasts from one
// pointer: [group][k][input] in groups of `group` inputs, the last group padded with copies of its
// last input. InterleaveF32Inputs writes groups [g0, g1) of out (InterleavedF32InputFloats floats);
// group at most 32.
size_t InterleavedF32InputFloats(size_t n, size_t cols, size_t group);
void InterleaveF32Inputs(const float* x, size_t n, size_t cols, size_t group, float* out, size_t g0, size_t g1);

// The AVX2 float kernels (x86_avx2_gemm.cc): the float32 GEMM cache-blocked over columns, on inputs
// interleaved in groups of kF32GemmInputsAvx2; BF16 decode. (Q8_0 / Q4_0 on AVX2: the micro-kernels
// of ukernels.h on the blocks in place.)
constexpr size_t kF32GemmInputsAvx2 = 6, kF32GemmInputsAvx512 = 12;
void GemmF32Avx2(const MatrixView& w, const float* x_interleaved, size_t n, float* y, size_t r0, size_t r1);
// The same GEMM on zmm registers (x86_avx512_f32_gemm.cc; AVX-512F), inputs interleaved in groups of
// kF32GemmInputsAvx512: the same bits as GemmF32Avx2.
void GemmF32Avx512(const MatrixView& w, const float* x_interleaved, size_t n, float* y, size_t r0, size_t r1);
void GemvBF16Avx2(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1);

// Rows [r0, r1) of y = x · Wᵀ for Q8_0 / Q4_0 weights with one ISA's panel kernel: on w.panels
// when the matrix was repacked at load, else on chunks whose quants fit comfortably in L2,
// repacked with `pack` (that ISA's packer). kernel(panels, stride, n_panels, rows, nb, x, n, y,
// y_stride) computes the outputs of `rows` rows starting at the first row of `panels`.
using PanelPackFn = void (*)(const MatrixView& w, uint8_t* out, size_t p0, size_t p1);
using PanelKernelFn = void (*)(const uint8_t* panels, size_t stride, size_t n_panels, size_t rows, size_t nb,
                               const PackedInputsQ8& x, size_t n, float* y, size_t y_stride);
void RunPanelKernel(const MatrixView& w, const PackedInputsQ8& x, size_t n, float* y, size_t r0, size_t r1,
                    PanelPackFn pack, PanelKernelFn kernel);

// The vdpbf16ps kernel behind GemmBF16 (kernels/bf16_gemm.h). Needs AVX512_BF16.
void PackPanelsFromBF16Avx512(const uint16_t* src, size_t rows, size_t cols, uint32_t* out);
void PackPanelsFromF32RowsAvx512(const float* src, size_t rows, size_t cols, size_t row_stride, uint32_t* out);
void PackPanelsFromF32ColumnsAvx512(const float* src, size_t rows, size_t cols, size_t col_stride, uint32_t* out);
void PackInputPairsAvx512(const float* x, size_t n, size_t cols, size_t stride, uint32_t* out);
void GemmBF16PanelsAvx512(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y,
                          size_t ldy);

}  // namespace gemmakit
