// ggml's block layouts, byte for byte: GGUF files store weights in them, and the kernels read
// them in place.
#pragma once

#include <cstdint>

namespace gemmakit {

constexpr int kQK = 32;    // elements per block of the 32-element types (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, IQ4_NL)
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

struct BlockQ4_1 {
  uint16_t d;               // f16 scale
  uint16_t m;               // f16 minimum: x = d * q + m
  uint8_t qs[kQK / 2];      // as Q4_0, without the offset
};
static_assert(sizeof(BlockQ4_1) == 20, "ggml layout");

struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];            // fifth bit of element j in bit j (little-endian 32-bit word)
  uint8_t qs[kQK / 2];      // low 4 bits as Q4_0; values offset by 16
};
static_assert(sizeof(BlockQ5_0) == 22, "ggml layout");

struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
static_assert(sizeof(BlockQ5_1) == 24, "ggml layout");

struct BlockIQ4_NL {
  uint16_t d;
  uint8_t qs[kQK / 2];      // indices into kIQ4NLValues, nibbles laid out as Q4_0
};
static_assert(sizeof(BlockIQ4_NL) == 18, "ggml layout");

// The 16 non-uniform levels of IQ4_NL and IQ4_XS.
constexpr int8_t kIQ4NLValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

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

struct BlockQ2_K {
  uint8_t scales[kQKK / 16];  // per 16 values: 4-bit scale (low nibble), 4-bit min (high nibble)
  uint8_t qs[kQKK / 4];       // 2-bit values
  uint16_t d;                 // f16 scale of the scales
  uint16_t dmin;              // f16 scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 84, "ggml layout");

struct BlockQ3_K {
  uint8_t hmask[kQKK / 8];    // high bit of each value (set: no offset; clear: minus 4)
  uint8_t qs[kQKK / 4];       // low 2 bits
  uint8_t scales[12];         // 16 × 6-bit scales (offset 32), packed
  uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110, "ggml layout");

struct BlockIQ4_XS {
  uint16_t d;
  uint16_t scales_h;          // high 2 bits of the 8 sub-block scales
  uint8_t scales_l[kQKK / 64];// low 4 bits of the 8 sub-block scales (offset 32)
  uint8_t qs[kQKK / 2];       // per 32 values: 16 bytes of IQ4_NL indices
};
static_assert(sizeof(BlockIQ4_XS) == 136, "ggml layout");

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

// The 16 signed 6-bit scales of a Q3_K super-block: values 0..63, minus 32.
inline void UnpackScalesQ3K(const uint8_t* packed, int8_t* scales) {
  // Bytes 0..7 hold the low 4 bits (scales 0..7 low nibbles, 8..15 high nibbles); bytes 8..11
  // hold the high 2 bits, scale j's in byte 8 + j % 4 at bit 2 * (j / 4).
  for (int j = 0; j < 16; ++j) {
    const int low = j < 8 ? packed[j] & 0xF : packed[j - 8] >> 4;
    const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
    scales[j] = static_cast<int8_t>((low | (high << 4)) - 32);
  }
}

}  // namespace gemmakit
