#include "multimodal/mobilenet_v5/mobilenet_media_encoder.h"

#include "gemmakit/status.h"
#include "multimodal/image_media_encoder.h"

namespace gemmakit {
namespace {

class MobileNetMediaEncoder final : public MediaEncoder {
 public:
  explicit MobileNetMediaEncoder(const MobileNetEncoder& t) : t_(t) {}

  MediaKind kind() const override { return MediaKind::kImage; }
  std::string_view marker() const override { return "<start_of_image>"; }
  int32_t placeholder_id() const override { return t_.config().image_token; }
  size_t tokens_per_item() const override { return static_cast<size_t>(t_.config().tokens_per_image); }
  bool bidirectional() const override { return false; }

  void Write(const Media& item, MediaPromptWriter& out) const override {
    const RgbImage& image = Image(item);
    out.Text("\n\n");
    out.Id(t_.config().start_of_image);
    out.SoftTokens(item, ImageKey(image, 0));
    out.Id(t_.config().end_of_image);
    out.Text("\n\n");
  }

  std::vector<float> SoftTokens(const Media& item, Executor* ex) const override {
    const std::vector<float> pixels = t_.Pixels(Image(item));
    return t_.SoftTokens(pixels.data(), ex);
  }

 private:
  static const RgbImage& Image(const Media& item) {
    if (!item.image) Fail(Status::kInvalidArgument, "an image part carries no image");
    return *item.image;
  }

  const MobileNetEncoder& t_;
};

}  // namespace

std::unique_ptr<MediaEncoder> MakeMobileNetMediaEncoder(const MobileNetEncoder& tower) {
  return std::make_unique<MobileNetMediaEncoder>(tower);
}

}  // namespace gemmakit
