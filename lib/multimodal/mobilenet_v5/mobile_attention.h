// MobileNet-V5's mobile multi-query attention block (timm MobileAttention): norm → query heads
// from every pixel, ONE key and ONE value head shared by all query heads (from pixels
// downsampled by a strided depthwise conv + norm when kv_stride > 1) → softmax(q·kᵀ/√key_dim)
// over all key pixels, no mask, no positions → heads concatenated → 1x1 output → layer scale →
// + input.
#pragma once

#include "multimodal/mobilenet_v5/feature_map.h"
#include "multimodal/mobilenet_v5/mobilenet_config.h"
#include "multimodal/mobilenet_v5/mobilenet_weights.h"

namespace gemmakit {

FeatureMap MobileAttentionBlock(const MobileNetBlock& b, const MobileNetBlockWeights& w, const FeatureMap& x, float eps,
                                Executor* ex, const MatMulOptions& mm);

}  // namespace gemmakit
