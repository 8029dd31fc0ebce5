#include "multimodal/audio/audio_ops.h"

#include <algorithm>
#include <cmath>

#include "kernels/norm.h"

namespace gemmakit {
namespace {

constexpr size_t kGrainRows = 16;

template <typename Fn>
void ForRows(size_t rows, size_t dim, Executor* ex, Fn fn) {
  ParallelFor(ex, rows, kGrainRows, [&](size_t r0, size_t r1) { fn(r0 * dim, r1 * dim); });
}

}  // namespace

void ClampInPlace(float* x, size_t rows, size_t dim, float limit, Executor* ex) {
  ForRows(rows, dim, ex, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) x[i] = std::min(std::max(x[i], -limit), limit);
  });
}

void SiluInPlace(float* x, size_t rows, size_t dim, Executor* ex) {
  ForRows(rows, dim, ex, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) x[i] = x[i] / (1.f + std::exp(-x[i]));
  });
}

void AddScaledInPlace(float* x, const float* y, size_t rows, size_t dim, float scale, Executor* ex) {
  ForRows(rows, dim, ex, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) x[i] += scale * y[i];
  });
}

}  // namespace gemmakit
