// ggml's block layouts, byte for byte: GGUF files store weights in them, and the kernels read
// them in place.
#pragma once

#include <cstdint>

namespace gemmakit {

constexpr int kQK = 32;    // elements per Q8_0 / Q4_0 block
constexpr int kQKK = 256;  // elements per K-quant super-block

struct BlockQ8_0 {
  uint16_t d;  // f16 scale
  int8_t qs[kQK];
};
static_assert(sizeof(BlockQ8_0) == 34, "ggml layout");

struct BlockQ4_0 {
  uint16_t d;               // f16 scale
  uint8_t qs[kQK / 2];      // element j in the low nibble of byte j, element j + 16 in the high one
};
static_assert(sizeof(BlockQ4_0) == 18, "ggml layout");

struct BlockQ4_K {
  uint16_t d;               // f16 super-block scale of the sub-block scales
  uint16_t dmin;            // f16 super-block scale of the sub-block mins
  uint8_t scales[12];       // 8 × (6-bit scale, 6-bit min), packed
  uint8_t qs[kQKK / 2];     // 4-bit values, 64 per 32 bytes (low nibbles first)
};
static_assert(sizeof(BlockQ4_K) == 144, "ggml layout");

struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQKK / 8];     // fifth bit of each value
  uint8_t qs[kQKK / 2];
};
static_assert(sizeof(BlockQ5_K) == 176, "ggml layout");

struct BlockQ6_K {
  uint8_t ql[kQKK / 2];     // low 4 bits
  uint8_t qh[kQKK / 4];     // high 2 bits
  int8_t scales[kQKK / 16]; // one per 16 values
  uint16_t d;               // f16 super-block scale
};
static_assert(sizeof(BlockQ6_K) == 210, "ggml layout");

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K / Q5_K super-block.
inline void UnpackScaleMinK4(int j, const uint8_t* q, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

}  // namespace gemmakit
