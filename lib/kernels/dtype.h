// Element types of weights and activations. Kernels are chosen by the weight's type; the io layer
// only has to say which type a tensor's bytes are in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace gemmakit {

// Plain types and ggml's block-quantized types (same block layouts as GGUF files, so weights
// are read in place from the file).
enum class DType : int32_t {
  kF32 = 0,
  kF16 = 1,
  kBF16 = 2,
  kQ8_0 = 3,  // blocks of 32: f16 scale, 32 × int8
  kQ4_0 = 4,  // blocks of 32: f16 scale, 16 bytes of 4-bit values (offset 8)
  kQ4_K = 5,  // super-blocks of 256: 8 sub-blocks with 6-bit scales and mins, 4-bit values
  kQ5_K = 6,  // as Q4_K with a fifth bit per value
  kQ6_K = 7,  // super-blocks of 256: 16 sub-blocks with int8 scales, 6-bit values (offset 32)
  kQ4_1 = 8,   // blocks of 32: f16 scale and minimum, 4-bit values
  kQ5_0 = 9,   // blocks of 32: f16 scale, 5-bit values (offset 16)
  kQ5_1 = 10,  // blocks of 32: f16 scale and minimum, 5-bit values
  kIQ4_NL = 11,  // blocks of 32: f16 scale, 4-bit indices into a fixed non-uniform table
  kIQ4_XS = 12,  // super-blocks of 256: 8 sub-blocks with 6-bit scales, IQ4_NL indices
  kQ2_K = 13,  // super-blocks of 256: 16 sub-blocks with 4-bit scales and mins, 2-bit values
  kQ3_K = 14,  // super-blocks of 256: 16 sub-blocks with 6-bit scales, 3-bit values (offset 4)
};
constexpr int kNumDTypes = 15;

const char* DTypeName(DType t);
// Parses a name as DTypeName writes it, case-insensitively ("q8_0", "BF16"); false if unknown.
bool ParseDType(const char* name, DType* out);
// Elements per block: 1 for plain types.
size_t DTypeBlockElems(DType t);
// Bytes that `n` elements of `t` occupy (n must be a multiple of the block size for block types).
size_t DTypeBytes(DType t, size_t n);
bool IsQuantized(DType t);

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

// Converts n elements of `src` (of type t) to float32; block types are dequantized (n a multiple
// of the block size).
void ConvertToF32(DType t, const void* src, float* dst, size_t n);
// Converts n float32 values to type t (block types are quantized; n a multiple of the block).
void ConvertFromF32(DType t, const float* src, void* dst, size_t n);

}  // namespace gemmakit
