// Portable dot kernels: the definition the SIMD tables are tested against, and the fallback on
// CPUs (or architectures) without them.
#include "kernels/dtype.h"
#include "kernels/matmul/dot_kernels.h"
#include "kernels/vec.h"

namespace gemmakit {
namespace {

float DotF32(const float* w, const float* x, size_t n) { return Dot(w, x, n); }

float DotBF16(const uint16_t* w, const float* x, size_t n) {
  float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t k = 0; k < 8; ++k) s[k] += BF16ToF32(w[i + k]) * x[i + k];
  }
  float tail = 0.f;
  for (; i < n; ++i) tail += BF16ToF32(w[i]) * x[i];
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7])) + tail;
}

float DotF16(const uint16_t* w, const float* x, size_t n) {
  float acc = 0.f;
  for (size_t i = 0; i < n; ++i) acc += F16ToF32(w[i]) * x[i];
  return acc;
}

float DotQ8_0(const BlockQ8_0* w, const BlockQ8Act* x, size_t nb) {
  float acc = 0.f;
  for (size_t b = 0; b < nb; ++b) {
    int32_t s = 0;
    for (int j = 0; j < kQK; ++j) s += static_cast<int32_t>(w[b].qs[j]) * x[b].qs[j];
    acc += F16ToF32(w[b].d) * x[b].d * static_cast<float>(s);
  }
  return acc;
}

float DotQ4_0(const BlockQ4_0* w, const BlockQ8Act* x, size_t nb) {
  float acc = 0.f;
  for (size_t b = 0; b < nb; ++b) {
    int32_t s = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      s += static_cast<int32_t>(w[b].qs[j] & 0xF) * x[b].qs[j];
      s += static_cast<int32_t>(w[b].qs[j] >> 4) * x[b].qs[j + kQK / 2];
    }
    // Nibbles are stored with an offset of 8: subtract 8 · Σ x.
    acc += F16ToF32(w[b].d) * (x[b].d * static_cast<float>(s) - 8.f * x[b].dsum);
  }
  return acc;
}

}  // namespace

float DotBlocksScalar(DType type, const uint8_t* w, const float* x, size_t n) {
  float values[kQKK];
  float acc = 0.f;
  for (size_t i = 0; i < n; i += kQKK) {
    const size_t m = n - i < kQKK ? n - i : kQKK;  // a whole number of blocks
    ConvertToF32(type, w, values, m);
    w += DTypeBytes(type, m);
    for (size_t k = 0; k < m; ++k) acc += values[k] * x[i + k];
  }
  return acc;
}

float DotQ4KScalar(const uint8_t* w, const float* x, size_t n) { return DotBlocksScalar(DType::kQ4_K, w, x, n); }
float DotQ5KScalar(const uint8_t* w, const float* x, size_t n) { return DotBlocksScalar(DType::kQ5_K, w, x, n); }
float DotQ6KScalar(const uint8_t* w, const float* x, size_t n) { return DotBlocksScalar(DType::kQ6_K, w, x, n); }

const DotKernels& ScalarDotKernels() {
  static const DotKernels k = {"scalar", DotF32, DotBF16, DotF16, DotQ8_0, DotQ4_0, DotQ4KScalar, DotQ5KScalar, DotQ6KScalar,
                               DotBlocksScalar};
  return k;
}

}  // namespace gemmakit
