// MobileNet-V5's and the vision embedder's weights, bound by canonical name (io/vision_checkpoint.h:
// "mobilenet.<timm name>", "embed_vision.<name>") and checked against the MobileNetConfig. 1x1 and
// regular convolution weights are views into the mapped file ([out, in, k, k] read as
// [out, in·k·k]); norms, layer scales and depthwise kernels (taps-major) are copied to float32.
#pragma once

#include <memory>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
#include "multimodal/gemma3n_embedder.h"
#include "multimodal/mobilenet_v5/mobilenet_config.h"

namespace gemmakit {

// A depthwise conv and the RMSNorm2d after it.
struct DepthwiseNorm {
  std::vector<float> taps;  // [k·k, channels]
  std::vector<float> norm;
};

struct MobileNetBlockWeights {
  // edge residual: conv_exp, bn1, conv_pwl, bn2; inverted residual: pw_exp, pw_proj and their norms
  MatrixView expand, project;
  std::vector<float> expand_norm, project_norm;
  DepthwiseNorm dw_start, dw_mid, dw_end;  // empty when absent
  // attention
  std::vector<float> norm;
  MatrixView query, key, value, output;
  DepthwiseNorm key_down, value_down;      // empty without kv downsampling
  std::vector<float> layer_scale;          // empty without
};

struct MobileNetWeights {
  MatrixView stem;                  // [stem_ch, 3·3·3]
  std::vector<float> stem_bias, stem_norm;
  std::vector<std::vector<MobileNetBlockWeights>> stages;
  MatrixView msfa_expand, msfa_project;
  std::vector<float> msfa_expand_norm, msfa_project_norm, msfa_norm;
  Gemma3nEmbedderWeights embedder;
  std::shared_ptr<const TensorIndex> storage;
  size_t n_params = 0;
};

// Throws Error(kFormatError) naming a missing or mis-shaped tensor.
MobileNetWeights BindMobileNetWeights(const MobileNetConfig& c, std::shared_ptr<const TensorIndex> tensors);

}  // namespace gemmakit
