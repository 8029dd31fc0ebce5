#include "multimodal/image_media_encoder.h"

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

class ImageMediaEncoder final : public MediaEncoder {
 public:
  ImageMediaEncoder(const VisionModel& v, bool pan_and_scan) : v_(v), pan_and_scan_(pan_and_scan) {}

  MediaKind kind() const override { return MediaKind::kImage; }
  std::string_view marker() const override { return "<start_of_image>"; }
  int32_t placeholder_id() const override { return v_.config().image_token; }
  size_t tokens_per_item() const override { return static_cast<size_t>(v_.config().tokens_per_image); }
  bool bidirectional() const override { return true; }

  // Gemma3Processor's wording: with pan-and-scan crops, "Here is the original image <image> and
  // here are some crops to help you see better <crop> <crop>...".
  void Write(const Media& item, MediaPromptWriter& out) const override {
    if (!item.image) Fail(Status::kInvalidArgument, "an image part carries no image");
    std::vector<RgbImage> subs = v_.SubImages(*item.image, pan_and_scan_);
    const uint64_t key = ImageKey(*item.image, 0);
    if (subs.size() == 1) {
      Sequence(std::move(subs[0]), key, out);
      return;
    }
    out.Text("Here is the original image ");
    Sequence(std::move(subs[0]), key, out);
    out.Text(" and here are some crops to help you see better ");
    for (size_t j = 1; j < subs.size(); ++j) {
      if (j > 1) out.Text(" ");
      const uint64_t crop_key = ImageKey(subs[j], key + j);
      Sequence(std::move(subs[j]), crop_key, out);
    }
  }

  std::vector<float> SoftTokens(const Media& item, Executor* ex) const override {
    if (!item.image) Fail(Status::kInvalidArgument, "an image part carries no image");
    const std::vector<float> pixels = v_.Pixels(*item.image);
    return v_.SoftTokens(pixels.data(), ex);
  }

 private:
  void Sequence(RgbImage image, uint64_t key, MediaPromptWriter& out) const {
    out.Text("\n\n");
    out.Id(v_.config().start_of_image);
    out.SoftTokens(Media::Image(std::move(image)), key);
    out.Id(v_.config().end_of_image);
    out.Text("\n\n");
  }

  const VisionModel& v_;
  bool pan_and_scan_;
};

}  // namespace

std::unique_ptr<MediaEncoder> MakeImageMediaEncoder(const VisionModel& vision, bool pan_and_scan) {
  return std::make_unique<ImageMediaEncoder>(vision, pan_and_scan);
}

uint64_t ImageKey(const RgbImage& image, uint64_t salt) {
  // Width and height bytes interleaved, then the pixels: the key saved sessions hold.
  uint8_t size[8];
  for (int k = 0; k < 4; ++k) {
    size[2 * k] = static_cast<uint8_t>(static_cast<uint32_t>(image.width) >> (8 * k));
    size[2 * k + 1] = static_cast<uint8_t>(static_cast<uint32_t>(image.height) >> (8 * k));
  }
  ContentHasher h(salt);
  h.Add(size, sizeof size);
  h.Add(image.pixels.data(), image.pixels.size());
  return h.key();
}

}  // namespace gemmakit
