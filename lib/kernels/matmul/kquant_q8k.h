// K-quant weights (Q4_K, Q5_K, Q6_K) read in place against 8-bit activations with integer dot
// products, as ggml's ggml_vec_dot_q*_K_q8_K and ik_llama.cpp's iqk_mul_mat do, but with a scale
// per 32 activations (BlockQ8K32) where ggml's Q8_K has one per 256: per 32-value sub-block,
// scale · Σ q_w · q_x exactly in int32, then a float multiply-add by the activations' scale; the
// minimums (Q4_K, Q5_K) and the -32 offset (Q6_K) come in through the 16-value sums.
// Micro-kernels by contract (ukernels.h); the scalar ones are the definition.
#pragma once

#include <cstddef>

#include "kernels/matmul.h"
#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8k.h"

namespace gemmakit {

// Every compiled K-quant × Q8_K32 micro-kernel: the scalar definitions first, then the SIMD ones
// (whether this CPU runs them is `CpuHas(entry.isa)`).
const QGemmUkernel* KQuantUkernels(size_t* count);

// y = W · x for K-quant weights W (rows in place at w.data, or w.panels for a kernel that reads
// load-time panels) with micro-kernel k, the matmul
// table's plan for them (kquant_q8k_matmul.cc): x quantized to Q8_K32 once, rows split across
// ex's threads.
// With two_terms, each input goes in as two rows of Q8_K32 blocks (QuantizeActivationsQ8K32Split)
// whose products are summed: the weights are still read once, for twice the integer work.
void MatMulQ8K32(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex, const QGemmUkernel& k,
                 bool two_terms = false);

// The x86 entries (AVX2, AVX-VNNI and AVX-512 variants; x86_avx2_kquant_q8k.cc); count 0 on other targets.
const QGemmUkernel* KQuantUkernelsX86(size_t* count);

}  // namespace gemmakit
