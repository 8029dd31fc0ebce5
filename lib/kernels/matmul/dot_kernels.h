// One row of a weight matrix dotted with one activation vector, per weight type, per instruction
// set. The matmul operator (matmul.cc) knows shapes and threads; these know only vectors. One
// table per ISA, picked at run time from what the CPU supports.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dtype.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {

struct DotKernels {
  const char* isa;
  float (*f32)(const float* w, const float* x, size_t n);
  float (*bf16)(const uint16_t* w, const float* x, size_t n);
  float (*f16)(const uint16_t* w, const float* x, size_t n);
  // Block types against 8-bit activations; nb = number of 32-element blocks.
  float (*q8_0)(const BlockQ8_0* w, const BlockQ8Act* x, size_t nb);
  float (*q4_0)(const BlockQ4_0* w, const BlockQ8Act* x, size_t nb);
  // K-quant rows against float32 activations; n = elements (a multiple of 256).
  float (*q4_k)(const uint8_t* w, const float* x, size_t n);
  float (*q5_k)(const uint8_t* w, const float* x, size_t n);
  float (*q6_k)(const uint8_t* w, const float* x, size_t n);
  // Any other block type (Q4_1, Q5_0, Q5_1, IQ4_NL, IQ4_XS, Q2_K, Q3_K) against float32
  // activations: dequantize up to 256 values, then multiply. n = elements (a multiple of the block).
  float (*blocks)(DType type, const uint8_t* w, const float* x, size_t n);
};

// Dequantize-then-multiply for every block type: portable, and with AVX2 + FMA (x86 only; call it
// only when the CPU has them).
float DotBlocksScalar(DType type, const uint8_t* w, const float* x, size_t n);
float DotBlocksAvx2(DType type, const uint8_t* w, const float* x, size_t n);

// The portable K-quant dots (dequantize a super-block, then multiply), shared by tables that have
// no faster version.
float DotQ4KScalar(const uint8_t* w, const float* x, size_t n);
float DotQ5KScalar(const uint8_t* w, const float* x, size_t n);
float DotQ6KScalar(const uint8_t* w, const float* x, size_t n);

const DotKernels& ScalarDotKernels();
// Null when this build or CPU lacks the instruction set.
const DotKernels* Avx2DotKernels();
const DotKernels* Avx512DotKernels();
const DotKernels* NeonDotKernels();  // sdot for 8-bit blocks where the CPU has it
// The fastest table this CPU runs; GEMMAKIT_ISA in the environment caps it (cpu_features.h).
const DotKernels& BestDotKernels();

}  // namespace gemmakit
