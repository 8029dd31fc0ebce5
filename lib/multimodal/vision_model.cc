#include "multimodal/vision_model.h"

#include "multimodal/image_processor.h"

namespace gemmakit {

std::unique_ptr<VisionModel> VisionModel::Create(const VisionCheckpoint& ck, int64_t text_hidden, int64_t text_vocab,
                                                 const Tokenizer* tokenizer, const MatMulOptions& matmul) {
  VisionConfig c = ResolveVisionConfig(ck.hparams, ck.processor, text_hidden, text_vocab, tokenizer);
  VisionWeights w = BindVisionWeights(c, ck.tensors, ck.soft_norm_includes_one);
  auto model = std::unique_ptr<VisionModel>(new VisionModel(std::move(c), std::move(w), ck.processor));
  model->matmul_ = matmul;
  return model;
}

std::vector<RgbImage> VisionModel::SubImages(const RgbImage& image, bool pan_and_scan) const {
  std::vector<RgbImage> out;
  out.push_back(image);
  if (pan_and_scan) {
    std::vector<RgbImage> crops = PanAndScanCrops(image, processor_);
    for (RgbImage& crop : crops) out.push_back(std::move(crop));
  }
  return out;
}

std::vector<float> VisionModel::Pixels(const RgbImage& image) const {
  return PreprocessImage(image, processor_, config_.image_height, config_.image_width);
}

std::vector<float> VisionModel::SoftTokens(const float* pixels, Executor* ex, const VisionTap* tap) const {
  const std::vector<float> features = EncodeSiglip(config_, weights_, pixels, ex, tap, matmul_);
  return ProjectToSoftTokens(config_, weights_, features.data(), ex);
}

}  // namespace gemmakit
