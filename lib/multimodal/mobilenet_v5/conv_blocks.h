// MobileNet-V5's convolutional blocks (timm EdgeResidual and UniversalInvertedResidual), as their
// diagrams read:
//   edge residual:      k×k conv (stride) → norm → GELU → 1x1 → norm [+ input]
//   inverted residual:  [depthwise → norm] → 1x1 expand → norm → GELU → [depthwise → norm → GELU]
//                       → 1x1 project → norm → [depthwise → norm] → × layer scale [+ input]
#pragma once

#include "multimodal/mobilenet_v5/feature_map.h"
#include "multimodal/mobilenet_v5/mobilenet_config.h"
#include "multimodal/mobilenet_v5/mobilenet_weights.h"

namespace gemmakit {

FeatureMap EdgeResidualBlock(const MobileNetBlock& b, const MobileNetBlockWeights& w, const FeatureMap& x, float eps,
                             Executor* ex, const MatMulOptions& mm);
FeatureMap InvertedResidualBlock(const MobileNetBlock& b, const MobileNetBlockWeights& w, const FeatureMap& x, float eps,
                                 Executor* ex, const MatMulOptions& mm);

}  // namespace gemmakit
