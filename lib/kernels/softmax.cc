#include "kernels/softmax.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void SoftmaxRowAvx512(float* row, size_t cols, float scale);
float ExpRowToBF16PairsAvx512(const float* row, size_t cols, float scale, uint32_t* out);
#endif

void SoftmaxRowsReference(float* x, size_t rows, size_t cols, float scale) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
    float mx = -INFINITY;
    for (size_t j = 0; j < cols; ++j) mx = std::max(mx, row[j] * scale);
    float sum = 0.f;
    for (size_t j = 0; j < cols; ++j) {
      row[j] = std::exp(row[j] * scale - mx);
      sum += row[j];
    }
    const float inv = 1.f / sum;
    for (size_t j = 0; j < cols; ++j) row[j] *= inv;
  }
}

void SoftmaxRows(float* x, size_t rows, size_t cols, float scale, Executor* ex) {
  ParallelFor(ex, rows, 8, [&](size_t r0, size_t r1) {
#if defined(__x86_64__) || defined(_M_X64)
    if (BestIsa() == Isa::kAvx512) {
      for (size_t r = r0; r < r1; ++r) SoftmaxRowAvx512(x + r * cols, cols, scale);
      return;
    }
#endif
    SoftmaxRowsReference(x + r0 * cols, r1 - r0, cols, scale);
  });
}

float ExpRowToBF16Pairs(const float* row, size_t cols, float scale, uint32_t* out) {
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHasAvx512Bf16()) return ExpRowToBF16PairsAvx512(row, cols, scale, out);
#endif
  float mx = -INFINITY;
  for (size_t j = 0; j < cols; ++j) mx = std::max(mx, row[j] * scale);
  float sum = 0.f;
  uint16_t* dst = reinterpret_cast<uint16_t*>(out);
  for (size_t j = 0; j < cols; ++j) {
    const float e = std::exp(row[j] * scale - mx);
    dst[j] = F32ToBF16(e);
    sum += e;
  }
  if (cols % 2) dst[cols] = 0;
  return sum;
}

}  // namespace gemmakit
