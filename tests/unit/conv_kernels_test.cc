// The convolution family against its scalar definition (kernels/conv/conv.h) on odd shapes:
// 'SAME' geometry as TensorFlow pads, im2col + MatMul for regular convolutions, the direct
// depthwise kernel, strides 1 and 2, kernels 1 to 5.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/conv/conv.h"
#include "kernels/matmul.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

std::vector<float> Random(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

TEST(ConvKernels, SameGeometryPadsTheOddPixelAfter) {
  // Stride 2, k=3 over an even size: nothing before, one after.
  ConvGeometry g = SameConvGeometry(96, 96, 3, 2);
  EXPECT_EQ(g.out_h, 48u);
  EXPECT_EQ(g.pad_top, 0u);
  // k=5: 3 in total, 1 before.
  g = SameConvGeometry(24, 24, 5, 2);
  EXPECT_EQ(g.out_w, 12u);
  EXPECT_EQ(g.pad_left, 1u);
  // Odd size, stride 2, k=3: 2 in total, 1 before.
  g = SameConvGeometry(7, 9, 3, 2);
  EXPECT_EQ(g.out_h, 4u);
  EXPECT_EQ(g.out_w, 5u);
  EXPECT_EQ(g.pad_top, 1u);
  EXPECT_EQ(g.pad_left, 1u);
  // Stride 1 pads k/2 each side.
  g = SameConvGeometry(10, 11, 5, 1);
  EXPECT_EQ(g.out_h, 10u);
  EXPECT_EQ(g.pad_top, 2u);
}

TEST(ConvKernels, Im2ColMatMulEqualsTheReference) {
  std::mt19937 rng(7);
  ThreadPool pool(2);
  for (size_t k : {1u, 3u, 5u}) {
    for (size_t stride : {1u, 2u}) {
      const size_t h = 11, w = 6, in = 5, out = 7;
      const ConvGeometry g = SameConvGeometry(h, w, k, stride);
      const std::vector<float> x = Random(h * w * in, rng), wt = Random(out * in * k * k, rng);
      std::vector<float> want(g.out_h * g.out_w * out), got(want.size()), cols(g.out_h * g.out_w * in * k * k);
      ConvReference(x.data(), in, g, wt.data(), nullptr, out, 1, want.data());
      // In two bands, as callers split large images.
      const size_t split = g.out_h / 2, row = g.out_w * in * k * k;
      Im2ColHwc(x.data(), in, g, 0, split, cols.data(), &pool);
      Im2ColHwc(x.data(), in, g, split, g.out_h, cols.data() + split * row, &pool);
      MatMul(cols.data(), g.out_h * g.out_w, MatrixView{DType::kF32, wt.data(), out, in * k * k}, got.data(), &pool);
      EXPECT_LT(MaxAbsDiff(got, want), 1e-5f) << "k " << k << " stride " << stride;
    }
  }
}

TEST(ConvKernels, DepthwiseEqualsTheReference) {
  std::mt19937 rng(11);
  ThreadPool pool(2);
  for (size_t k : {1u, 3u, 5u}) {
    for (size_t stride : {1u, 2u}) {
      const size_t h = 9, w = 12, ch = 13;
      const ConvGeometry g = SameConvGeometry(h, w, k, stride);
      const std::vector<float> x = Random(h * w * ch, rng), wt = Random(ch * k * k, rng);
      std::vector<float> want(g.out_h * g.out_w * ch), got(want.size()), taps(wt.size());
      ConvReference(x.data(), ch, g, wt.data(), nullptr, ch, ch, want.data());
      DepthwiseTapsMajor(wt.data(), ch, k, taps.data());
      DepthwiseConvHwc(x.data(), ch, g, taps.data(), got.data(), &pool);
      EXPECT_LT(MaxAbsDiff(got, want), 1e-5f) << "k " << k << " stride " << stride;
    }
  }
}

TEST(ConvKernels, ReferenceReadsPaddingAsZero) {
  // A 3x3 all-ones filter over a 2x2 image of ones: every 'SAME' output sums the 4 real pixels.
  const ConvGeometry g = SameConvGeometry(2, 2, 3, 1);
  const std::vector<float> x(4, 1.f), w(9, 1.f);
  std::vector<float> y(4);
  ConvReference(x.data(), 1, g, w.data(), nullptr, 1, 1, y.data());
  for (float v : y) EXPECT_EQ(v, 4.f);
}

}  // namespace
}  // namespace gemmakit
