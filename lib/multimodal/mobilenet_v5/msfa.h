// MobileNet-V5's multi-scale fusion adapter (timm MobileNetV5MultiScaleFusionAdapter): the
// features of the last two stages, the later ones resized (nearest) to the first one's grid and
// concatenated after it on channels → 1x1 expand → norm → GELU → 1x1 to the tower width → norm
// (no residual, no layer scale) → average pool to out_grid × out_grid → norm.
#pragma once

#include <vector>

#include "multimodal/mobilenet_v5/feature_map.h"
#include "multimodal/mobilenet_v5/mobilenet_config.h"
#include "multimodal/mobilenet_v5/mobilenet_weights.h"

namespace gemmakit {

// inputs: the outputs of config.msfa_stages, in order. Returns [out_grid, out_grid, hidden].
FeatureMap FuseScales(const MobileNetConfig& c, const MobileNetWeights& w, const std::vector<const FeatureMap*>& inputs,
                      Executor* ex, const MatMulOptions& mm);

}  // namespace gemmakit
