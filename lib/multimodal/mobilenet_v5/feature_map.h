// A MobileNet-V5 activation: [h][w][c] float32, channels last, so that a 1x1 convolution is a
// MatMul over its pixels and RMSNorm2d is a row norm. The steps every block is made of.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/parallel.h"

namespace gemmakit {

struct FeatureMap {
  size_t h = 0, w = 0, c = 0;
  std::vector<float> data;

  FeatureMap() = default;
  FeatureMap(size_t h_, size_t w_, size_t c_) : h(h_), w(w_), c(c_), data(h_ * w_ * c_) {}
  size_t pixels() const { return h * w; }
};

// A k×k convolution with TensorFlow 'SAME' padding (im2col, then MatMul with w [out, in·k·k]).
FeatureMap Conv(const FeatureMap& x, const MatrixView& w, size_t kernel, size_t stride, Executor* ex, const MatMulOptions& mm);
// A 1x1 convolution: w [out, in].
FeatureMap Pointwise(const FeatureMap& x, const MatrixView& w, Executor* ex, const MatMulOptions& mm);
// A depthwise k×k convolution with 'SAME' padding; taps [k·k, c].
FeatureMap Depthwise(const FeatureMap& x, const std::vector<float>& taps, size_t kernel, size_t stride, Executor* ex);
// RMSNorm2d: per pixel over channels, × scale (no 1 +); then GELU (tanh) when `gelu`.
void NormAct(FeatureMap& x, const std::vector<float>& scale, float eps, bool gelu, Executor* ex);
// x ×= scale per channel.
void ScaleChannels(FeatureMap& x, const std::vector<float>& scale, Executor* ex);
// x += y (same shape).
void AddInPlace(FeatureMap& x, const FeatureMap& y, Executor* ex);

}  // namespace gemmakit
