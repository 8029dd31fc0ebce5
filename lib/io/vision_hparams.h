// What a multimodal Gemma 3 checkpoint says about its vision side, independent of the file format:
// the SigLIP tower's shape (config.json's "vision_config", or an mmproj GGUF's clip.vision.* keys),
// the projector's token count and the special ids around images, and how images are prepared
// (preprocessor_config.json). Absent fields keep HuggingFace's defaults.
#pragma once

#include <cstdint>
#include <string>

namespace gemmakit {

struct VisionHParams {
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t image_size = 0;
  int64_t patch_size = 0;
  int64_t num_channels = 3;
  double layer_norm_eps = 1e-6;
  std::string hidden_act = "gelu_pytorch_tanh";
  int64_t mm_tokens_per_image = 256;
  // Ids of <start_of_image>, <end_of_image> and the soft-token placeholder; -1 when the config
  // does not say (the tokenizer's pieces are used then).
  int64_t boi_token_index = -1;
  int64_t eoi_token_index = -1;
  int64_t image_token_index = -1;
};

// Gemma3ImageProcessor's settings.
struct ImageProcessorConfig {
  int64_t height = 0, width = 0;  // 0: the vision tower's image_size
  bool do_convert_rgb = true;
  bool do_resize = true;
  int64_t resample = 2;  // PIL's BILINEAR, the only filter Gemma 3 uses
  bool do_rescale = true;
  double rescale_factor = 1.0 / 255.0;
  bool do_normalize = true;
  double image_mean[3] = {0.5, 0.5, 0.5};
  double image_std[3] = {0.5, 0.5, 0.5};
  bool do_pan_and_scan = false;
  int64_t pan_and_scan_min_crop_size = 256;
  int64_t pan_and_scan_max_num_crops = 4;
  double pan_and_scan_min_ratio_to_activate = 1.2;
};

}  // namespace gemmakit
