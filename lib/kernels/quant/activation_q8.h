// Activations quantized on the fly to 8 bits in blocks of 32, so that dot products with Q8_0 and
// Q4_0 weights run on integer instructions (VNNI, AVX2 maddubs, NEON sdot).
#pragma once

#include <cstddef>
#include <cstdint>

namespace gemmakit {

struct BlockQ8Act {
  float d;     // scale: value ≈ d · qs[i]
  float dsum;  // d · Σ qs, for weight types stored with an offset (Q4_0's -8)
  int8_t qs[32];
};
static_assert(sizeof(BlockQ8Act) == 40, "packed");

// x[n] (n a multiple of 32) → n / 32 blocks, values in [-127, 127]. The same blocks as
// ggml's quantize_row_q8_0 but for the scale, kept in float32 (ggml rounds it to f16; measured on
// llama.cpp's Q8_0 files: no difference in fidelity either way).
void QuantizeActivationsQ8(const float* x, BlockQ8Act* out, size_t n);
// The scalar definition (QuantizeActivationsQ8 runs an AVX2 copy of it where the CPU has AVX2:
// equal to the bit, tested).
void QuantizeActivationsQ8Reference(const float* x, BlockQ8Act* out, size_t n);

// Two-term activations: x ≈ hi + lo, where hi = QuantizeActivationsQ8(x) and lo the same of the
// rounding error x − hi. Both are ordinary blocks, so any Q8_0 / Q4_0 kernel takes them as two
// inputs (sharing every weight load) and the caller adds the two products: the activations'
// error falls from 1/254 of each block's largest value to about 1/254² of it. One 8-bit term is
// what llama.cpp computes; it is the whole of the fast path's error on Q8_0 files (spread evenly
// over every matmul of every layer), where the two-term sum is within 1e-3 of exact float32.
void QuantizeActivationsQ8Split(const float* x, BlockQ8Act* hi, BlockQ8Act* lo, size_t n);

}  // namespace gemmakit
