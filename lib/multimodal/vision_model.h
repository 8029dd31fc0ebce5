// Images → soft tokens for a Gemma 3 model: the image processor, the SigLIP tower and the
// projector, with the configuration that frames images in the token stream. Immutable after
// creation; shared by every session of a model.
#pragma once

#include <memory>
#include <vector>

#include "gemmakit/image.h"
#include "io/vision_checkpoint.h"
#include "kernels/parallel.h"
#include "multimodal/siglip_encoder.h"
#include "multimodal/vision_config.h"
#include "multimodal/vision_weights.h"

namespace gemmakit {

class Tokenizer;

class VisionModel {
 public:
  // Throws the errors of ResolveVisionConfig and BindVisionWeights.
  static std::unique_ptr<VisionModel> Create(const VisionCheckpoint& checkpoint, int64_t text_hidden, int64_t text_vocab,
                                             const Tokenizer* tokenizer, const MatMulOptions& matmul = {});

  const VisionConfig& config() const { return config_; }
  const ImageProcessorConfig& processor() const { return processor_; }
  size_t n_params() const { return weights_.n_params; }

  // What one image becomes: the image itself, then its pan-and-scan crops when pan_and_scan is on.
  std::vector<RgbImage> SubImages(const RgbImage& image, bool pan_and_scan) const;
  // [3][image_size][image_size] pixel values, as HuggingFace's processor makes them.
  std::vector<float> Pixels(const RgbImage& image) const;
  // [tokens_per_image, text_hidden] soft tokens of preprocessed pixels.
  std::vector<float> SoftTokens(const float* pixels, Executor* ex, const VisionTap* tap = nullptr) const;

 private:
  VisionModel(VisionConfig c, VisionWeights w, ImageProcessorConfig p)
      : config_(std::move(c)), weights_(std::move(w)), processor_(p) {}
  VisionConfig config_;
  VisionWeights weights_;
  ImageProcessorConfig processor_;
  MatMulOptions matmul_;
};

}  // namespace gemmakit
