// Element types of weights and activations. Kernels are chosen by the weight's type; the io layer
// only has to say which type a tensor's bytes are in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gemmakit {

enum class DType : int32_t { kF32 = 0, kF16 = 1, kBF16 = 2 };

const char* DTypeName(DType t);
// Bytes that `n` elements of `t` occupy (n must be a multiple of the block size for block types).
size_t DTypeBytes(DType t, size_t n);

inline float BF16ToF32(uint16_t h) {
  uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Round to nearest even, as PyTorch does when it casts float32 to bfloat16.
inline uint16_t F32ToBF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

float F16ToF32(uint16_t h);
uint16_t F32ToF16(float f);

// Converts n elements of `src` (of type t) to float32.
void ConvertToF32(DType t, const void* src, float* dst, size_t n);

}  // namespace gemmakit
