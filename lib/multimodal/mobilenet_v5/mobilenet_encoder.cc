#include "multimodal/mobilenet_v5/mobilenet_encoder.h"

#include <cmath>

#include "gemmakit/status.h"
#include "multimodal/image_processor.h"
#include "multimodal/mobilenet_v5/conv_blocks.h"
#include "multimodal/mobilenet_v5/mobile_attention.h"
#include "multimodal/mobilenet_v5/msfa.h"

namespace gemmakit {

std::unique_ptr<MobileNetEncoder> MobileNetEncoder::Create(const VisionCheckpoint& ck, int64_t text_hidden,
                                                           const MatMulOptions& mm) {
  if (!ck.mobilenet) Fail(Status::kInvalidArgument, "not a MobileNet-V5 vision checkpoint");
  const ImageProcessorConfig& p = ck.processor;
  const int64_t h = p.height > 0 ? p.height : 768, w = p.width > 0 ? p.width : 768;
  MobileNetConfig c = ResolveMobileNetConfig(*ck.mobilenet, h, w);
  if (c.text_hidden != text_hidden) {
    Fail(Status::kFormatError, "config.json: the vision embedder projects to " + std::to_string(c.text_hidden) +
                                   " but the text model is " + std::to_string(text_hidden) + " wide");
  }
  MobileNetWeights weights = BindMobileNetWeights(c, ck.tensors);
  return std::make_unique<MobileNetEncoder>(std::move(c), std::move(weights), p, mm);
}

std::vector<float> MobileNetEncoder::Pixels(const RgbImage& image) const {
  return PreprocessImage(image, processor_, static_cast<int32_t>(config_.image_h), static_cast<int32_t>(config_.image_w));
}

FeatureMap MobileNetEncoder::Stem(const float* pixels, Executor* ex) const {
  const size_t h = static_cast<size_t>(config_.image_h), w = static_cast<size_t>(config_.image_w);
  FeatureMap image(h, w, 3);
  for (size_t ch = 0; ch < 3; ++ch) {
    for (size_t i = 0; i < h * w; ++i) image.data[i * 3 + ch] = pixels[ch * h * w + i];
  }
  FeatureMap y = Conv(image, weights_.stem, 3, 2, ex, matmul_);
  for (size_t p = 0; p < y.pixels(); ++p) {
    for (size_t c = 0; c < y.c; ++c) y.data[p * y.c + c] += weights_.stem_bias[c];
  }
  NormAct(y, weights_.stem_norm, config_.eps, /*gelu=*/true, ex);
  return y;
}

std::vector<float> MobileNetEncoder::Tower(const float* pixels, Executor* ex, std::vector<FeatureMap>* stages) const {
  FeatureMap x = Stem(pixels, ex);
  if (stages) stages->push_back(x);
  std::vector<FeatureMap> fused;  // the MSFA's inputs
  for (size_t s = 0; s < config_.stages.size(); ++s) {
    for (size_t i = 0; i < config_.stages[s].size(); ++i) {
      const MobileNetBlock& b = config_.stages[s][i];
      const MobileNetBlockWeights& w = weights_.stages[s][i];
      switch (b.kind) {
        case MobileNetBlockKind::kEdgeResidual: x = EdgeResidualBlock(b, w, x, config_.eps, ex, matmul_); break;
        case MobileNetBlockKind::kInvertedResidual: x = InvertedResidualBlock(b, w, x, config_.eps, ex, matmul_); break;
        case MobileNetBlockKind::kAttention: x = MobileAttentionBlock(b, w, x, config_.eps, ex, matmul_); break;
      }
    }
    if (stages) stages->push_back(x);
    for (size_t m : config_.msfa_stages) {
      if (m == s) fused.push_back(x);
    }
  }
  std::vector<const FeatureMap*> inputs;
  for (const FeatureMap& f : fused) inputs.push_back(&f);
  return FuseScales(config_, weights_, inputs, ex, matmul_).data;
}

std::vector<float> MobileNetEncoder::SoftTokens(const float* pixels, Executor* ex) const {
  std::vector<float> x = Tower(pixels, ex);
  // Gemma3nModel.get_image_features scales the tower's output by √hidden before the embedder.
  const float scale = std::sqrt(static_cast<float>(config_.hidden));
  for (float& v : x) v *= scale;
  return EmbedSoftTokens(weights_.embedder, config_.eps, x.data(), static_cast<size_t>(config_.tokens_per_image), ex, matmul_);
}

}  // namespace gemmakit
