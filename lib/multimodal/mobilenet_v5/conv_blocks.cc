#include "multimodal/mobilenet_v5/conv_blocks.h"

namespace gemmakit {

FeatureMap EdgeResidualBlock(const MobileNetBlock& b, const MobileNetBlockWeights& w, const FeatureMap& x, float eps,
                             Executor* ex, const MatMulOptions& mm) {
  FeatureMap y = Conv(x, w.expand, static_cast<size_t>(b.kernel), static_cast<size_t>(b.stride), ex, mm);
  NormAct(y, w.expand_norm, eps, /*gelu=*/true, ex);
  y = Pointwise(y, w.project, ex, mm);
  NormAct(y, w.project_norm, eps, /*gelu=*/false, ex);
  if (b.residual) AddInPlace(y, x, ex);
  return y;
}

FeatureMap InvertedResidualBlock(const MobileNetBlock& b, const MobileNetBlockWeights& w, const FeatureMap& x, float eps,
                                 Executor* ex, const MatMulOptions& mm) {
  const FeatureMap* in = &x;
  FeatureMap start;
  if (b.dw_start) {
    start = Depthwise(x, w.dw_start.taps, static_cast<size_t>(b.dw_start), static_cast<size_t>(b.StrideStart()), ex);
    NormAct(start, w.dw_start.norm, eps, /*gelu=*/false, ex);
    in = &start;
  }
  FeatureMap y = Pointwise(*in, w.expand, ex, mm);
  NormAct(y, w.expand_norm, eps, /*gelu=*/true, ex);
  if (b.dw_mid) {
    y = Depthwise(y, w.dw_mid.taps, static_cast<size_t>(b.dw_mid), static_cast<size_t>(b.StrideMid()), ex);
    NormAct(y, w.dw_mid.norm, eps, /*gelu=*/true, ex);
  }
  y = Pointwise(y, w.project, ex, mm);
  NormAct(y, w.project_norm, eps, /*gelu=*/false, ex);
  if (b.dw_end) {
    y = Depthwise(y, w.dw_end.taps, static_cast<size_t>(b.dw_end), static_cast<size_t>(b.StrideEnd()), ex);
    NormAct(y, w.dw_end.norm, eps, /*gelu=*/false, ex);
  }
  if (b.layer_scale) ScaleChannels(y, w.layer_scale, ex);
  if (b.residual) AddInPlace(y, x, ex);
  return y;
}

}  // namespace gemmakit
