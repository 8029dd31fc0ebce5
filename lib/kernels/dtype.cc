#include "kernels/dtype.h"

#include <cctype>

#include "kernels/quant/blocks.h"
#include "kernels/quant/quant.h"

namespace gemmakit {

namespace {

struct DTypeTraits {
  const char* name;
  size_t block_elems;
  size_t block_bytes;
};

constexpr DTypeTraits kTraits[kNumDTypes] = {
    {"F32", 1, 4},     {"F16", 1, 2},     {"BF16", 1, 2},    {"Q8_0", kQK, sizeof(BlockQ8_0)},
    {"Q4_0", kQK, sizeof(BlockQ4_0)}, {"Q4_K", kQKK, sizeof(BlockQ4_K)}, {"Q5_K", kQKK, sizeof(BlockQ5_K)},
    {"Q6_K", kQKK, sizeof(BlockQ6_K)}, {"Q4_1", kQK, sizeof(BlockQ4_1)}, {"Q5_0", kQK, sizeof(BlockQ5_0)},
    {"Q5_1", kQK, sizeof(BlockQ5_1)}, {"IQ4_NL", kQK, sizeof(BlockIQ4_NL)}, {"IQ4_XS", kQKK, sizeof(BlockIQ4_XS)},
    {"Q2_K", kQKK, sizeof(BlockQ2_K)}, {"Q3_K", kQKK, sizeof(BlockQ3_K)},
};

const DTypeTraits& Traits(DType t) { return kTraits[static_cast<int>(t)]; }

}  // namespace

const char* DTypeName(DType t) { return Traits(t).name; }
size_t DTypeBlockElems(DType t) { return Traits(t).block_elems; }
size_t DTypeBytes(DType t, size_t n) { return n / Traits(t).block_elems * Traits(t).block_bytes; }
bool IsQuantized(DType t) { return Traits(t).block_elems > 1; }

bool ParseDType(const char* name, DType* out) {
  for (int i = 0; i < kNumDTypes; ++i) {
    const char* a = kTraits[i].name;
    const char* b = name;
    while (*a && *b && std::toupper(static_cast<unsigned char>(*b)) == *a) {
      ++a;
      ++b;
    }
    if (!*a && !*b) {
      *out = static_cast<DType>(i);
      return true;
    }
  }
  return false;
}

float F16ToF32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise it
      exp = 127 - 15 + 1;
      while ((mant & 0x400u) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t F32ToF16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;            // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;           // overflow to infinity
  if (abs < 0x38800000u) {                                 // subnormal or zero in f16
    if (abs < 0x33000000u) return sign;
    const uint32_t exp = abs >> 23;
    const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const uint32_t shift = 126 - exp;  // puts the f16 subnormal's last bit at bit 0
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t mid = 1u << (shift - 1);
    uint32_t result = mant >> shift;
    if (rem > mid || (rem == mid && (result & 1u))) ++result;
    return static_cast<uint16_t>(sign | result);
  }
  uint32_t v = abs - (112u << 23);                         // rebias exponent 127 -> 15
  const uint32_t rem = v & 0x1fffu;
  v >>= 13;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1u))) ++v;
  return static_cast<uint16_t>(sign | v);
}

void ConvertToF32(DType t, const void* src, float* dst, size_t n) {
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, src, 4 * n);
      return;
    case DType::kBF16: {
      const uint16_t* s = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = BF16ToF32(s[i]);
      return;
    }
    case DType::kF16: {
      const uint16_t* s = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) dst[i] = F16ToF32(s[i]);
      return;
    }
    case DType::kQ8_0: return DequantizeQ8_0(src, dst, n);
    case DType::kQ4_0: return DequantizeQ4_0(src, dst, n);
    case DType::kQ4_K: return DequantizeQ4_K(src, dst, n);
    case DType::kQ5_K: return DequantizeQ5_K(src, dst, n);
    case DType::kQ6_K: return DequantizeQ6_K(src, dst, n);
    case DType::kQ4_1: return DequantizeQ4_1(src, dst, n);
    case DType::kQ5_0: return DequantizeQ5_0(src, dst, n);
    case DType::kQ5_1: return DequantizeQ5_1(src, dst, n);
    case DType::kIQ4_NL: return DequantizeIQ4_NL(src, dst, n);
    case DType::kIQ4_XS: return DequantizeIQ4_XS(src, dst, n);
    case DType::kQ2_K: return DequantizeQ2_K(src, dst, n);
    case DType::kQ3_K: return DequantizeQ3_K(src, dst, n);
  }
}

void ConvertFromF32(DType t, const float* src, void* dst, size_t n) {
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, src, 4 * n);
      return;
    case DType::kBF16: {
      uint16_t* d = static_cast<uint16_t*>(dst);
      for (size_t i = 0; i < n; ++i) d[i] = F32ToBF16(src[i]);
      return;
    }
    case DType::kF16: {
      uint16_t* d = static_cast<uint16_t*>(dst);
      for (size_t i = 0; i < n; ++i) d[i] = F32ToF16(src[i]);
      return;
    }
    case DType::kQ8_0: return QuantizeQ8_0(src, dst, n);
    case DType::kQ4_0: return QuantizeQ4_0(src, dst, n);
    case DType::kQ4_K: return QuantizeQ4_K(src, dst, n);
    case DType::kQ5_K: return QuantizeQ5_K(src, dst, n);
    case DType::kQ6_K: return QuantizeQ6_K(src, dst, n);
    case DType::kQ4_1: return QuantizeQ4_1(src, dst, n);
    case DType::kQ5_0: return QuantizeQ5_0(src, dst, n);
    case DType::kQ5_1: return QuantizeQ5_1(src, dst, n);
    case DType::kIQ4_NL: return QuantizeIQ4_NL(src, dst, n);
    case DType::kIQ4_XS: return QuantizeIQ4_XS(src, dst, n);
    case DType::kQ2_K: return QuantizeQ2_K(src, dst, n);
    case DType::kQ3_K: return QuantizeQ3_K(src, dst, n);
  }
}

}  // namespace gemmakit
