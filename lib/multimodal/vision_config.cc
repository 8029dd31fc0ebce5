#include "multimodal/vision_config.h"

#include <cmath>
#include <string>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"

namespace gemmakit {
namespace {

int64_t Check(int64_t v, const char* name, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    Fail(Status::kFormatError, std::string("vision config '") + name + "' = " + std::to_string(v) + " is out of range [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

int32_t SpecialId(int64_t configured, const Tokenizer* tok, const char* piece) {
  if (configured >= 0) return static_cast<int32_t>(configured);
  return tok ? tok->PieceToId(piece) : -1;
}

}  // namespace

VisionConfig ResolveVisionConfig(const VisionHParams& hp, const ImageProcessorConfig& processor, int64_t text_hidden,
                                 int64_t text_vocab, const Tokenizer* tokenizer) {
  VisionConfig c;
  c.hidden = Check(hp.hidden_size, "hidden_size", 1, 1 << 16);
  c.intermediate = Check(hp.intermediate_size, "intermediate_size", 1, 1 << 18);
  c.n_layers = Check(hp.num_hidden_layers, "num_hidden_layers", 1, 256);
  c.n_heads = Check(hp.num_attention_heads, "num_attention_heads", 1, 1024);
  c.image_size = Check(hp.image_size, "image_size", 1, 8192);
  c.patch_size = Check(hp.patch_size, "patch_size", 1, 1024);
  if (hp.num_channels != 3) Fail(Status::kUnsupported, "vision config: only 3-channel (RGB) towers are supported");
  if (hp.hidden_act != "gelu_pytorch_tanh" && hp.hidden_act != "gelu") {
    Fail(Status::kUnsupported, "vision config: hidden_act '" + hp.hidden_act + "' is not supported");
  }
  if (c.hidden % c.n_heads != 0) Fail(Status::kFormatError, "vision config: hidden_size is not a multiple of the heads");
  if (c.image_size % c.patch_size != 0) Fail(Status::kFormatError, "vision config: image_size is not a multiple of patch_size");
  c.head_dim = c.hidden / c.n_heads;
  c.attn_scale = 1.f / std::sqrt(static_cast<float>(c.head_dim));
  c.eps = static_cast<float>(hp.layer_norm_eps);
  c.patches_per_side = c.image_size / c.patch_size;
  c.n_patches = c.patches_per_side * c.patches_per_side;
  c.tokens_per_image = Check(hp.mm_tokens_per_image, "mm_tokens_per_image", 1, c.n_patches);
  c.tokens_per_side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(c.tokens_per_image))));
  if (c.tokens_per_side * c.tokens_per_side != c.tokens_per_image || c.patches_per_side % c.tokens_per_side != 0) {
    Fail(Status::kFormatError, "vision config: mm_tokens_per_image " + std::to_string(c.tokens_per_image) +
                                   " does not pool the " + std::to_string(c.patches_per_side) + "x" +
                                   std::to_string(c.patches_per_side) + " patch grid evenly");
  }
  c.pool_kernel = c.patches_per_side / c.tokens_per_side;
  c.text_hidden = text_hidden;
  c.image_token = SpecialId(hp.image_token_index, tokenizer, "<image_soft_token>");
  c.start_of_image = SpecialId(hp.boi_token_index, tokenizer, "<start_of_image>");
  c.end_of_image = SpecialId(hp.eoi_token_index, tokenizer, "<end_of_image>");
  if (c.image_token < 0) c.image_token = static_cast<int32_t>(text_vocab);
  if (c.start_of_image < 0 || c.end_of_image < 0) {
    Fail(Status::kFormatError, "vision config: no boi/eoi_token_index and no <start_of_image>/<end_of_image> pieces");
  }
  if (c.start_of_image >= text_vocab || c.end_of_image >= text_vocab) {
    Fail(Status::kFormatError, "vision config: the image marker ids are outside the vocabulary");
  }
  // The tower reads image_size x image_size; a processor that resizes elsewhere would not fit it.
  c.image_height = static_cast<int32_t>(processor.height ? processor.height : c.image_size);
  c.image_width = static_cast<int32_t>(processor.width ? processor.width : c.image_size);
  if (c.image_height != c.image_size || c.image_width != c.image_size) {
    Fail(Status::kFormatError, "preprocessor_config.json resizes to " + std::to_string(c.image_width) + "x" +
                                   std::to_string(c.image_height) + " but the vision tower reads " +
                                   std::to_string(c.image_size) + "x" + std::to_string(c.image_size));
  }
  return c;
}

}  // namespace gemmakit
