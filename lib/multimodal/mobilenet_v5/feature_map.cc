#include "multimodal/mobilenet_v5/feature_map.h"

#include "kernels/conv/conv.h"
#include "kernels/gelu.h"
#include "kernels/norm.h"

namespace gemmakit {
namespace {

constexpr size_t kGrainPixels = 64;

}  // namespace

FeatureMap Conv(const FeatureMap& x, const MatrixView& w, size_t kernel, size_t stride, Executor* ex, const MatMulOptions& mm) {
  const ConvGeometry g = SameConvGeometry(x.h, x.w, kernel, stride);
  std::vector<float> cols(g.out_h * g.out_w * x.c * kernel * kernel);
  Im2ColHwc(x.data.data(), x.c, g, cols.data(), ex);
  FeatureMap y(g.out_h, g.out_w, w.rows);
  MatMul(cols.data(), y.pixels(), w, y.data.data(), ex, mm);
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
