// The kernels the vision tower adds, against plain definitions on odd shapes, serial and threaded:
// PanelGemm (strided A, B and C, tails in both directions), row softmax, LayerNorm, GELU over a
// buffer.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/activation.h"
#include "kernels/gelu.h"
#include "kernels/layer_norm.h"
#include "kernels/panel_gemm.h"
#include "kernels/softmax.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TEST(VisionKernels, PanelGemmMatchesReference) {
  ThreadPool pool(2);
  struct Shape {
    size_t m, n, k;
  };
  for (const Shape s : {Shape{1, 1, 1}, Shape{5, 17, 3}, Shape{37, 72, 130}, Shape{64, 129, 72}, Shape{19, 200, 9}}) {
    for (Executor* ex : {static_cast<Executor*>(nullptr), static_cast<Executor*>(&pool)}) {
      // Row strides wider than the rows, as attention reads one head out of [n, heads * dim].
      const size_t lda = s.k + 3, ldb = s.n + 5, ldc = s.n + 2;
      const std::vector<float> a = Random(s.m * lda, 1), b = Random(s.k * ldb, 2);
      std::vector<float> c(s.m * ldc, 7.f), ref(s.m * ldc, 7.f);
      PanelGemmArgs g{a.data(), lda, b.data(), ldb, c.data(), ldc, s.m, s.n, s.k};
      PanelGemm(g, ex);
      g.c = ref.data();
      PanelGemmReference(g);
      for (size_t i = 0; i < s.m; ++i) {
        for (size_t j = 0; j < ldc; ++j) {
          const float want = ref[i * ldc + j];
          // Columns past n are left alone.
          EXPECT_NEAR(c[i * ldc + j], want, 1e-4f * (1.f + std::sqrt(static_cast<float>(s.k))))
              << s.m << "x" << s.n << "x" << s.k << " at " << i << "," << j;
        }
      }
    }
  }
}

TEST(VisionKernels, SoftmaxRowsMatchesReference) {
  ThreadPool pool(2);
  for (size_t cols : {size_t{1}, size_t{15}, size_t{16}, size_t{77}, size_t{4096}}) {
    const size_t rows = 9;
    std::vector<float> x = Random(rows * cols, 8);
    for (float& v : x) v *= 20.f;  // scores far apart: exp's range reduction at work
    std::vector<float> ref = x;
    SoftmaxRows(x.data(), rows, cols, 0.118f, &pool);
    SoftmaxRowsReference(ref.data(), rows, cols, 0.118f);
    for (size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(x[i], ref[i], 2e-6f * (1.f + ref[i] * 8)) << cols << " " << i;
  }
}

TEST(VisionKernels, LayerNormMatchesDefinition) {
  ThreadPool pool(2);
  const size_t n = 33, dim = 75;
  const std::vector<float> x = Random(n * dim, 3), w = Random(dim, 4), b = Random(dim, 5);
  std::vector<float> y(n * dim);
  LayerNorm(x.data(), n, dim, w.data(), b.data(), 1e-6f, y.data(), &pool);
  for (size_t i = 0; i < n; ++i) {
    double mean = 0, var = 0;
    for (size_t j = 0; j < dim; ++j) mean += x[i * dim + j];
    mean /= dim;
    for (size_t j = 0; j < dim; ++j) var += (x[i * dim + j] - mean) * (x[i * dim + j] - mean);
    var /= dim;
    for (size_t j = 0; j < dim; ++j) {
      const double want = (x[i * dim + j] - mean) / std::sqrt(var + 1e-6) * w[j] + b[j];
      EXPECT_NEAR(y[i * dim + j], want, 1e-5);
    }
  }
}

TEST(VisionKernels, GeluOverABufferMatchesGeluTanh) {
  ThreadPool pool(2);
  const size_t n = 4096 * 2 + 37;
  std::vector<float> x = Random(n, 6);
  const std::vector<float> in = x;
  GeluTanhInPlace(x.data(), n, &pool);
  for (size_t i = 0; i < n; ++i) EXPECT_NEAR(x[i], GeluTanh(in[i]), 1e-6f * (1.f + std::fabs(in[i])));
}

}  // namespace
}  // namespace gemmakit
