#include "multimodal/mobilenet_v5/feature_map.h"

#include <algorithm>

#include "kernels/conv/conv.h"
#include "kernels/gelu.h"
#include "kernels/norm.h"

namespace gemmakit {
namespace {

constexpr size_t kGrainPixels = 64;
constexpr size_t kBandFloats = size_t{1} << 22;  // 16 MB of im2col columns

}  // namespace

FeatureMap Conv(const FeatureMap& x, const MatrixView& w, size_t kernel, size_t stride, Executor* ex, const MatMulOptions& mm) {
  const ConvGeometry g = SameConvGeometry(x.h, x.w, kernel, stride);
  FeatureMap y(g.out_h, g.out_w, w.rows);
  // Output rows in bands of at most kBandFloats columns (the 768-pixel model's first stage would
  // need 170 MB at once); each band is still thousands of GEMM rows.
  const size_t row_floats = g.out_w * x.c * kernel * kernel;
  const size_t band = std::max<size_t>(1, kBandFloats / row_floats);
  std::vector<float> cols(std::min(band, g.out_h) * row_floats);
  for (size_t r0 = 0; r0 < g.out_h; r0 += band) {
    const size_t r1 = std::min(g.out_h, r0 + band);
    Im2ColHwc(x.data.data(), x.c, g, r0, r1, cols.data(), ex);
    MatMul(cols.data(), (r1 - r0) * g.out_w, w, y.data.data() + r0 * g.out_w * y.c, ex, mm);
  }
  return y;
}

FeatureMap Pointwise(const FeatureMap& x, const MatrixView& w, Executor* ex, const MatMulOptions& mm) {
  FeatureMap y(x.h, x.w, w.rows);
  MatMul(x.data.data(), x.pixels(), w, y.data.data(), ex, mm);
  return y;
}

FeatureMap Depthwise(const FeatureMap& x, const std::vector<float>& taps, size_t kernel, size_t stride, Executor* ex) {
  const ConvGeometry g = SameConvGeometry(x.h, x.w, kernel, stride);
  FeatureMap y(g.out_h, g.out_w, x.c);
  DepthwiseConvHwc(x.data.data(), x.c, g, taps.data(), y.data.data(), ex);
  return y;
}

void NormAct(FeatureMap& x, const std::vector<float>& scale, float eps, bool gelu, Executor* ex) {
  RmsNormRows(x.data.data(), x.pixels(), x.c, scale.data(), eps, x.data.data(), ex);
  if (gelu) GeluTanhInPlace(x.data.data(), x.data.size(), ex);
}

void ScaleChannels(FeatureMap& x, const std::vector<float>& scale, Executor* ex) {
  ParallelFor(ex, x.pixels(), kGrainPixels, [&](size_t p0, size_t p1) {
    for (size_t p = p0; p < p1; ++p) {
      float* row = x.data.data() + p * x.c;
      for (size_t c = 0; c < x.c; ++c) row[c] *= scale[c];
    }
  });
}

void AddInPlace(FeatureMap& x, const FeatureMap& y, Executor* ex) {
  ParallelFor(ex, x.pixels(), kGrainPixels, [&](size_t p0, size_t p1) {
    for (size_t i = p0 * x.c; i < p1 * x.c; ++i) x.data[i] += y.data[i];
  });
}

}  // namespace gemmakit
