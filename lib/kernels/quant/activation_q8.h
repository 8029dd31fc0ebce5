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

// x[n] (n a multiple of 32) → n / 32 blocks, values in [-127, 127].
void QuantizeActivationsQ8(const float* x, BlockQ8Act* out, size_t n);

}  // namespace gemmakit
