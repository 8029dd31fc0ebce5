// Activations quantized on the fly for K-quant weights (Q4_K, Q5_K, Q6_K): super-blocks of 256
// int8 values as ggml's Q8_K, with the sum of every 16 values, but one float scale per 32 values
// instead of one per 256. The integer dot products are the same (per 32-value sub-block); the
// scale per 32 halves the activations' rounding error where values vary in size along the row
// (measured: mean KL of gemma3-k256-q4_k_m against its float golden 1.5e-3 with one scale per 256,
// 0.73e-3 with one per 32; the threshold is 1e-3).
#pragma once

#include <cstddef>
#include <cstdint>

namespace gemmakit {

struct BlockQ8K32 {
  float d[8];          // scale of each 32 values: value ≈ d[k / 32] · qs[k]
  int8_t qs[256];      // values in [-127, 127]
  int16_t bsums[16];   // Σ qs over each run of 16 values (for Q4_K / Q5_K minimums, Q6_K's -32)
};
static_assert(sizeof(BlockQ8K32) == 320, "packed");

// x[n] (n a multiple of 256) → n / 256 blocks. Each 32 values as ggml's quantize_row_q8_K does a
// block: the value of largest magnitude maps to -127 (the scale takes its sign), the others round
// to nearest, ties to even; all-zero values get d = 0.
void QuantizeActivationsQ8K32(const float* x, BlockQ8K32* out, size_t n);
// The scalar definition, which QuantizeActivationsQ8K32 equals to the bit on every CPU.
void QuantizeActivationsQ8K32Reference(const float* x, BlockQ8K32* out, size_t n);
// x as two terms, hi + lo: the blocks of x, then the blocks of their rounding error, so that
// products with both carry about 1/127 of one term's activation error (exact precision).
void QuantizeActivationsQ8K32Split(const float* x, BlockQ8K32* hi, BlockQ8K32* lo, size_t n);

}  // namespace gemmakit
