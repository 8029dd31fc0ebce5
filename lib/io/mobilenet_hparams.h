// What a Gemma 3n checkpoint says about its vision side, independent of the file format: the
// MobileNet-V5 tower (config.json's "vision_config": a timm architecture name and, when present,
// timm keyword arguments that override its definition), the vision embedder's vocabulary, how
// many soft tokens an image takes and the ids around them. Absent fields keep transformers'
// defaults (the E2B/E4B values).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gemmakit {

// One entry of timm's decoded block arguments (its BlockArgs dicts), for the block types
// MobileNet-V5 uses. Which fields matter depends on block_type.
struct MobileNetBlockArgs {
  std::string block_type;  // "er" edge residual, "uir" universal inverted residual, "mqa" attention
  int64_t repeat = 1;
  int64_t out_chs = 0;
  int64_t stride = 1;
  double exp_ratio = 1.0;
  bool noskip = false;
  double se_ratio = 0.0;
  bool custom_activation = false;  // act_layer given: MobileNet-V5 always uses its tanh GELU
  // er
  int64_t exp_kernel_size = 3, pw_kernel_size = 1, force_in_chs = 0;
  // uir: depthwise kernels, 0 for none
  int64_t dw_kernel_size_start = 0, dw_kernel_size_mid = 0, dw_kernel_size_end = 0;
  // mqa
  int64_t dw_kernel_size = 3, num_heads = 1, key_dim = 64, value_dim = 64, kv_stride = 1;
};

struct MobileNetHParams {
  std::string architecture = "mobilenetv5_300m_enc";
  // model_args: each overrides the architecture's definition when present.
  std::optional<std::vector<std::vector<MobileNetBlockArgs>>> block_args;  // per stage
  std::optional<int64_t> stem_size;
  std::optional<int64_t> msfa_output_resolution;
  // Gemma3nVisionConfig
  int64_t hidden_size = 2048;
  double rms_norm_eps = 1e-6;
  int64_t vocab_size = 128;
  int64_t vocab_offset = 262144;
  // Gemma3nConfig's top level
  int64_t soft_tokens_per_image = 256;
  int64_t boi_token_id = 255999;
  int64_t eoi_token_id = 262144;
  int64_t image_token_id = 262145;
  // Gemma3nTextConfig: the width soft tokens are projected to
  int64_t text_hidden_size = 2048;
};

}  // namespace gemmakit
