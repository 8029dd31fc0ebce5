// float32 → the 32-element block types (K-quants and IQ4: quantize_k.cc).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/quant.h"
#include "kernels/quant/rounding.h"

namespace gemmakit {

void QuantizeQ8_0(const float* src, void* dst, size_t n) {
  BlockQ8_0* b = static_cast<BlockQ8_0*>(dst);
  for (size_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    float amax = 0.f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    b[i].d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) b[i].qs[j] = static_cast<int8_t>(std::lround(x[j] * id));
  }
}

void QuantizeQ4_0(const float* src, void* dst, size_t n) {
  BlockQ4_0* b = static_cast<BlockQ4_0*>(dst);
  for (size_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    // The signed value of largest magnitude maps to -8, using the full 4-bit range on that side.
    const float d = LargestMagnitude(x, kQK) / -8.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    b[i].d = F32ToF16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
      const int q1 = std::min(15, static_cast<int>(static_cast<int8_t>(x[j + kQK / 2] * id + 8.5f)));
      b[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

namespace {

// Packs 32 values of 0..31 (or 0..15) the way Q4_x / Q5_x blocks store them; qh may be null.
void PackNibbles32(const uint8_t* q, uint8_t* qs, uint8_t* qh) {
  uint32_t high = 0;
  for (int j = 0; j < kQK / 2; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 0xF) | ((q[j + kQK / 2] & 0xF) << 4));
    high |= static_cast<uint32_t>((q[j] >> 4) & 1) << j;
    high |= static_cast<uint32_t>((q[j + kQK / 2] >> 4) & 1) << (j + kQK / 2);
  }
  if (qh) {
    for (int k = 0; k < 4; ++k) qh[k] = static_cast<uint8_t>(high >> (8 * k));
  }
}

// Blocks of scale · q + min (Q4_1, Q5_1), nmax = 15 or 31: ggml's reference min/max fit.
template <bool kFifthBit, typename Block>
void QuantizeWithMin(const float* src, Block* b, size_t n) {
  constexpr int nmax = kFifthBit ? 31 : 15;
  uint8_t q[kQK];
  for (size_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    float lo = x[0], hi = x[0];
    for (int j = 1; j < kQK; ++j) {
      lo = std::min(lo, x[j]);
      hi = std::max(hi, x[j]);
    }
    const float d = (hi - lo) / static_cast<float>(nmax);
    const float id = d != 0.f ? 1.f / d : 0.f;
    b[i].d = F32ToF16(d);
    b[i].m = F32ToF16(lo);
    for (int j = 0; j < kQK; ++j) {
      const float v = (x[j] - lo) * id + 0.5f;
      // As ggml: Q4_1 truncates through int8 and clamps to 15; Q5_1 truncates through uint8.
      q[j] = kFifthBit ? static_cast<uint8_t>(v) : static_cast<uint8_t>(std::min(15, static_cast<int>(static_cast<int8_t>(v))));
    }
    if constexpr (kFifthBit) {
      PackNibbles32(q, b[i].qs, b[i].qh);
    } else {
      PackNibbles32(q, b[i].qs, nullptr);
    }
  }
}

}  // namespace

void QuantizeQ4_1(const float* src, void* dst, size_t n) {
  QuantizeWithMin<false>(src, static_cast<BlockQ4_1*>(dst), n);
}

void QuantizeQ5_1(const float* src, void* dst, size_t n) {
  QuantizeWithMin<true>(src, static_cast<BlockQ5_1*>(dst), n);
}

void QuantizeQ5_0(const float* src, void* dst, size_t n) {
  BlockQ5_0* b = static_cast<BlockQ5_0*>(dst);
  uint8_t q[kQK];
  for (size_t i = 0; i < n / kQK; ++i) {
    const float* x = src + i * kQK;
    // As Q4_0: the signed value of largest magnitude maps to -16.
    const float d = LargestMagnitude(x, kQK) / -16.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    b[i].d = F32ToF16(d);
    for (int j = 0; j < kQK; ++j) q[j] = static_cast<uint8_t>(std::min(31, static_cast<int>(static_cast<int8_t>(x[j] * id + 16.5f))));
    PackNibbles32(q, b[i].qs, b[i].qh);
  }
}

}  // namespace gemmakit
