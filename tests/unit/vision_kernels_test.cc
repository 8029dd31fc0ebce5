// The kernels the vision tower adds, against plain definitions on odd shapes, serial and threaded:
// PanelGemm (strided A, B and C, tails in both directions), row softmax, LayerNorm, GELU over a
// buffer, whole-image attention in float32 and with bf16 products.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/activation.h"
#include "kernels/dtype.h"
#include "kernels/gelu.h"
#include "kernels/layer_norm.h"
#include "kernels/panel_gemm.h"
#include "kernels/softmax.h"
#include "kernels/attention/attention.h"
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

// The exps behind bf16 attention: within bf16's rounding of exp(scale·x − max), masked (−inf)
// scores exactly zero, the returned sum that of the exps, odd lengths padded with a zero.
TEST(VisionKernels, ExpRowToBF16PairsMatchesExp) {
  for (size_t cols : {1u, 15u, 16u, 33u, 4096u}) {
    std::vector<float> row = Random(cols, 9);
    for (size_t j = 3; j < cols; j += 7) row[j] = -INFINITY;
    const float scale = 0.7f;
    float max = -INFINITY;
    for (float x : row) max = std::max(max, x * scale);
    std::vector<uint32_t> out((cols + 1) / 2, 0xdeadbeefu);
    const float sum = ExpRowToBF16Pairs(row.data(), cols, scale, out.data());
    const uint16_t* got = reinterpret_cast<const uint16_t*>(out.data());
    double want_sum = 0;
    for (size_t j = 0; j < cols; ++j) {
      const double e = std::exp(static_cast<double>(row[j]) * scale - max);
      want_sum += e;
      const float g = BF16ToF32(got[j]);
      if (std::isinf(row[j])) {
        ASSERT_EQ(g, 0.f) << "masked score " << j;
      } else {
        ASSERT_NEAR(g, e, e * (1.0 / 128)) << "cols=" << cols << " j=" << j;
      }
    }
    if (cols % 2) {
      EXPECT_EQ(got[cols], 0u) << "padding of an odd row";
    }
    EXPECT_NEAR(sum, want_sum, want_sum * 1e-4) << "cols=" << cols;
  }
}

// Query counts around the bf16 path's 48-query blocks, head sizes with odd column pairs and a
// partial panel (72 = 4.5 panels of Vᵀ), serial and threaded.
TEST(VisionKernels, DenseAttentionMatchesTheReference) {
  ThreadPool pool(2);
  struct Shape {
    size_t n, heads, dim;
  };
  for (const Shape s : {Shape{1, 1, 5}, Shape{47, 2, 9}, Shape{97, 3, 72}, Shape{130, 2, 16}}) {
    const size_t d = s.heads * s.dim;
    const float scale = 1.f / std::sqrt(static_cast<float>(s.dim));
    const std::vector<float> q = Random(s.n * d, 3), k = Random(s.n * d, 4), v = Random(s.n * d, 5);
    // The family's one definition, reading the dense K/V as a one-page cache with all keys seen.
    const uint8_t* k_page = reinterpret_cast<const uint8_t*>(k.data());
    const uint8_t* v_page = reinterpret_cast<const uint8_t*>(v.data());
    AttentionParams params;
    params.scale = scale;
    std::vector<float> want(s.n * d, NAN);
    AttentionReference(q.data(), s.n, s.heads, AttentionMask::All(s.n), DenseKvView(&k_page, &v_page, s.heads, s.dim),
                       params, want.data());
    for (Executor* ex : {static_cast<Executor*>(nullptr), static_cast<Executor*>(&pool)}) {
      std::vector<float> exact(s.n * d, NAN), fast(s.n * d, NAN);
      DenseAttentionScratch scratch;
      DenseAttention(q.data(), k.data(), v.data(), s.n, s.heads, s.dim, scale, exact.data(), scratch, ex);
      DenseAttentionBF16(q.data(), k.data(), v.data(), s.n, s.heads, s.dim, scale, fast.data(), scratch, ex);
      double fast_err = 0;
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_NEAR(exact[i], want[i], 1e-4) << "n=" << s.n << " dim=" << s.dim << " at " << i;
        fast_err = std::max(fast_err, static_cast<double>(std::fabs(fast[i] - want[i])));
      }
      // bf16 keeps 8 bits of each q, k, v and probability: errors near 2^-8 of the unit-sized values.
      EXPECT_LT(fast_err, 2e-2) << "n=" << s.n << " dim=" << s.dim;
      if (s.n > 1) {
        EXPECT_GT(fast_err, 0.0) << "bf16 rounding should show";
      }
    }
  }
}

}  // namespace
}  // namespace gemmakit
