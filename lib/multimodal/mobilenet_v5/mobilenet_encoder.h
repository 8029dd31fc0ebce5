// Gemma 3n's image encoder: pixels → MobileNet-V5 (stem, four stages of edge-residual, inverted-
// residual and attention blocks) → MSFA → [tokens, hidden] grid features (token = row·grid + col)
// → × √hidden → the vision embedder's soft path → soft tokens of the text model's width.
#pragma once

#include <memory>
#include <vector>

#include "gemmakit/image.h"
#include "io/vision_checkpoint.h"
#include "multimodal/mobilenet_v5/feature_map.h"
#include "multimodal/mobilenet_v5/mobilenet_config.h"
#include "multimodal/mobilenet_v5/mobilenet_weights.h"

namespace gemmakit {

class MobileNetEncoder {
 public:
  // ck.mobilenet must be set. text_hidden: the text model's width, which the embedder's
  // projection must match. Throws Error(kUnsupported / kFormatError) for configs and tensors
  // that do not fit (mobilenet_config.h, mobilenet_weights.h).
  static std::unique_ptr<MobileNetEncoder> Create(const VisionCheckpoint& ck, int64_t text_hidden, const MatMulOptions& mm);
  // From weights bound elsewhere (a benchmark's random ones); `w` must fit `c`.
  MobileNetEncoder(MobileNetConfig c, MobileNetWeights w, ImageProcessorConfig p, const MatMulOptions& mm)
      : config_(std::move(c)), weights_(std::move(w)), processor_(p), matmul_(mm) {}

  const MobileNetConfig& config() const { return config_; }
  const ImageProcessorConfig& processor() const { return processor_; }
  size_t n_params() const { return weights_.n_params; }

  // [3][image_h][image_w] values in [0, 1]: PIL-exact bilinear resize, x / 255, no normalisation.
  std::vector<float> Pixels(const RgbImage& image) const;
  // [tokens, hidden]: the MSFA's output grid, row-major. stages, when given, receives the stem's
  // output and then each stage's (for debugging against a reference).
  std::vector<float> Tower(const float* pixels, Executor* ex, std::vector<FeatureMap>* stages = nullptr) const;
  // [tokens, text_hidden].
  std::vector<float> SoftTokens(const float* pixels, Executor* ex) const;

 private:
  FeatureMap Stem(const float* pixels, Executor* ex) const;

  MobileNetConfig config_;
  MobileNetWeights weights_;
  ImageProcessorConfig processor_;
  MatMulOptions matmul_;
};

}  // namespace gemmakit
