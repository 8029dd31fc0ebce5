// The vision side of a Gemma 3 model, resolved and checked: SigLIP's shape, the projector's pooling
// and the ids that frame an image in the token stream.
#pragma once

#include <cstdint>

#include "io/vision_hparams.h"

namespace gemmakit {

class Tokenizer;

struct VisionConfig {
  int64_t hidden = 0, intermediate = 0, n_layers = 0, n_heads = 0, head_dim = 0;
  int64_t image_size = 0, patch_size = 0, patches_per_side = 0, n_patches = 0;
  float eps = 1e-6f;
  float attn_scale = 1.f;        // head_dim^-0.5
  int64_t tokens_per_image = 0;  // soft tokens after pooling
  int64_t tokens_per_side = 0;
  int64_t pool_kernel = 0;       // patches_per_side / tokens_per_side
  int64_t text_hidden = 0;
  int32_t image_token = -1;      // the placeholder id each soft token takes in the token stream
  int32_t start_of_image = -1, end_of_image = -1;
  int32_t image_height = 0, image_width = 0;  // what the processor resizes to
};

// Throws Error(kFormatError) for impossible shapes (heads that do not divide, a pooling that does
// not tile the patch grid), Error(kUnsupported) for another activation or channel count. Special
// ids come from the config, else from the tokenizer's pieces; without an <image_soft_token> piece
// the placeholder is text_vocab, an id no text token has (soft tokens never go through the
// embedding table).
VisionConfig ResolveVisionConfig(const VisionHParams& hp, const ImageProcessorConfig& processor, int64_t text_hidden,
                                 int64_t text_vocab, const Tokenizer* tokenizer);

}  // namespace gemmakit
