#include "kernels/panel_gemm.h"

#include <algorithm>

#include "kernels/cpu_features.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void PanelGemmAvx512(const PanelGemmArgs& args, size_t row0, size_t row1);
#endif

namespace {

// Rows [row0, row1) of C, float accumulation in the order the SIMD tile sums (over k).
void PanelGemmScalar(const PanelGemmArgs& g, size_t row0, size_t row1) {
  for (size_t i = row0; i < row1; ++i) {
    float* c = g.c + i * g.ldc;
    std::fill(c, c + g.n, 0.f);
    for (size_t d = 0; d < g.k; ++d) {
      const float a = g.a[i * g.lda + d];
      const float* b = g.b + d * g.ldb;
      for (size_t j = 0; j < g.n; ++j) c[j] += a * b[j];
    }
  }
}

}  // namespace

void PanelGemm(const PanelGemmArgs& g, Executor* ex) {
  // Blocks of 16 rows: enough work per task, and a whole number of the 4-row tiles.
  const size_t blocks = (g.m + 15) / 16;
  ParallelFor(ex, blocks, 1, [&](size_t b0, size_t b1) {
    const size_t r0 = b0 * 16, r1 = std::min(g.m, b1 * 16);
#if defined(__x86_64__) || defined(_M_X64)
    if (BestIsa() == Isa::kAvx512) return PanelGemmAvx512(g, r0, r1);
#endif
    PanelGemmScalar(g, r0, r1);
  });
}

void PanelGemmReference(const PanelGemmArgs& g) {
  for (size_t i = 0; i < g.m; ++i) {
    for (size_t j = 0; j < g.n; ++j) {
      double s = 0;
      for (size_t d = 0; d < g.k; ++d) s += static_cast<double>(g.a[i * g.lda + d]) * g.b[d * g.ldb + j];
      g.c[i * g.ldc + j] = static_cast<float>(s);
    }
  }
}

}  // namespace gemmakit
