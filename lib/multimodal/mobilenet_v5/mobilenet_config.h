// Gemma 3n's MobileNet-V5 tower resolved and checked: every block's kind, widths, kernels, strides
// and feature-map sizes for the configured image size, the multi-scale fusion adapter (MSFA) and
// the vision embedder's widths, and the ids that frame an image in the token stream. The block
// sequence is the architecture's definition (mobilenet_v5/architectures.h) with the config's
// model_args applied; widths are rounded as timm rounds them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/mobilenet_hparams.h"

namespace gemmakit {

enum class MobileNetBlockKind { kEdgeResidual, kInvertedResidual, kAttention };

struct MobileNetBlock {
  MobileNetBlockKind kind = MobileNetBlockKind::kInvertedResidual;
  std::string name;  // "blocks.<stage>.<index>", as the tensors are named
  int64_t in_ch = 0, out_ch = 0, stride = 1;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  bool residual = false;     // adds its input: stride 1, same width, not noskip
  bool layer_scale = false;  // × per-channel gamma before the residual
  // Edge residual: a kernel×kernel conv to mid_ch (carries the stride), then 1x1 to out_ch.
  // Inverted residual: 1x1 expansion to mid_ch between optional depthwise convs (0: absent).
  int64_t mid_ch = 0, kernel = 0;
  int64_t dw_start = 0, dw_mid = 0, dw_end = 0;
  // Which depthwise conv carries the stride: the mid one, else the start one, else the end one.
  int64_t StrideStart() const { return dw_start && !dw_mid ? stride : 1; }
  int64_t StrideMid() const { return stride; }
  int64_t StrideEnd() const { return dw_end && !dw_start && !dw_mid ? stride : 1; }
  // Attention: num_heads query heads of key_dim, one key and one value head shared by all,
  // keys and values downsampled by a kv_kernel depthwise conv of stride kv_stride when > 1.
  int64_t num_heads = 0, key_dim = 0, value_dim = 0, kv_stride = 1, kv_kernel = 0;
};

struct MobileNetConfig {
  int64_t image_h = 0, image_w = 0;  // the processor's size
  int64_t stem_ch = 0, stem_h = 0, stem_w = 0;
  std::vector<std::vector<MobileNetBlock>> stages;
  // MSFA over the outputs of the last two stages: the later ones resized (nearest) to the first's
  // grid, concatenated on channels, a 1x1 inverted residual to `hidden`, averaged down to
  // out_grid × out_grid, normed.
  std::vector<size_t> msfa_stages;
  int64_t msfa_in_ch = 0, msfa_mid_ch = 0, msfa_h = 0, msfa_w = 0, out_grid = 0;
  int64_t hidden = 0;        // the tower's output width (vision hidden_size)
  float eps = 1e-6f;         // every RMSNorm2d and the embedder's norms
  int64_t text_hidden = 0;
  int64_t tokens_per_image = 0;
  int32_t image_token = -1, start_of_image = -1, end_of_image = -1;
};

// Throws Error(kUnsupported) for an unknown architecture or block, or block options MobileNet-V5
// does not use (squeeze-excite, other activations, strided attention), Error(kFormatError) for
// impossible sizes (a token count that is not out_grid², an image size the stages cannot halve).
MobileNetConfig ResolveMobileNetConfig(const MobileNetHParams& hp, int64_t image_h, int64_t image_w);

// timm's make_divisible(v, 8): the nearest multiple of 8, at least 8, never 10% below v.
int64_t RoundChannels(double v);

}  // namespace gemmakit
