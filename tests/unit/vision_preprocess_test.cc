// Image preprocessing beyond the goldens: pan-and-scan crops as Gemma3ImageProcessor makes them,
// the prompt text pan-and-scan adds, and properties of the PIL-exact resize in both directions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gemmakit/model.h"
#include "multimodal/image_processor.h"
#include "multimodal/pil_resize.h"
#include "multimodal/image_media_encoder.h"
#include "runtime/media_prompt.h"
#include "runtime/model_impl.h"
#include "test_util.h"

namespace gemmakit {
namespace {

RgbImage Gradient(int32_t w, int32_t h) {
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (int32_t y = 0; y < h; ++y) {
    for (int32_t x = 0; x < w; ++x) {
      uint8_t* p = &img.pixels[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / (w - 1));
      p[1] = static_cast<uint8_t>(y * 255 / (h - 1));
      p[2] = 77;
    }
  }
  return img;
}

TEST(VisionPreprocess, PanAndScanCrops) {
  ImageProcessorConfig c;  // Gemma 3's defaults: min crop 256, at most 4 crops, ratio 1.2
  const std::vector<RgbImage> wide = PanAndScanCrops(Gradient(900, 300), c);
  ASSERT_EQ(wide.size(), 3u);
  for (const RgbImage& crop : wide) {
    EXPECT_EQ(crop.width, 300);
    EXPECT_EQ(crop.height, 300);
  }
  // Row-major order: the second crop starts at x = 300.
  EXPECT_EQ(wide[1].pixels[0], Gradient(900, 300).pixels[300 * 3]);
  const std::vector<RgbImage> tall = PanAndScanCrops(Gradient(300, 1000), c);
  ASSERT_EQ(tall.size(), 3u);
  EXPECT_EQ(tall[0].height, 334);  // ceil(1000 / 3)
  EXPECT_EQ(tall[2].height, 1000 - 2 * 334);  // the last crop ends at the border
  // Not elongated enough, or crops that would be too small: none.
  EXPECT_TRUE(PanAndScanCrops(Gradient(330, 300), c).empty());
  EXPECT_TRUE(PanAndScanCrops(Gradient(400, 300), c).empty());
  // At most max_num_crops.
  EXPECT_EQ(PanAndScanCrops(Gradient(3000, 300), c).size(), 4u);
}

TEST(VisionPreprocess, PanAndScanPromptText) {
  auto model = Model::Load(test::DataPath("gemma3-vision-tiny"));
  const VisionModel& v = *model->impl().vision;
  const RgbImage img = Gradient(900, 300);
  const auto with_crops = MakeImageMediaEncoder(v, true), without = MakeImageMediaEncoder(v, false);
  auto tokenize = [&](const MediaEncoder& e) {
    return TokenizeWithMedia(model->tokenizer(), "look: <start_of_image>", {Media::Image(img)}, true,
                             [&](MediaKind) -> const MediaEncoder& { return e; });
  };
  const MediaPrompt p = tokenize(*with_crops);
  ASSERT_EQ(p.slots.size(), 4u);  // the image and its three crops
  EXPECT_EQ(p.slots[1].item.image->width, 300);
  const MediaPrompt plain = tokenize(*without);
  ASSERT_EQ(plain.slots.size(), 1u);
  // The text around the markers reads as the processor writes it.
  std::vector<int32_t> text_ids;
  for (int32_t id : p.ids) {
    if (id != v.config().image_token) text_ids.push_back(id);
  }
  const std::string text = model->tokenizer().Decode(text_ids);
  EXPECT_NE(text.find("Here is the original image"), std::string::npos) << text;
  EXPECT_NE(text.find(" and here are some crops to help you see better "), std::string::npos) << text;
}

TEST(VisionPreprocess, ResizeKeepsFlatColoursAndOrder) {
  RgbImage flat;
  flat.width = 37;
  flat.height = 23;
  flat.pixels.assign(37 * 23 * 3, 0);
  for (size_t i = 0; i < flat.pixels.size(); i += 3) {
    flat.pixels[i] = 12;
    flat.pixels[i + 1] = 200;
    flat.pixels[i + 2] = 255;
  }
  for (auto [w, h] : {std::pair<int, int>{112, 112}, {5, 3}, {37, 60}, {300, 7}}) {
    const RgbImage r = ResizeBilinearPil(flat, w, h);
    ASSERT_EQ(r.pixels.size(), static_cast<size_t>(w) * h * 3);
    for (size_t i = 0; i < r.pixels.size(); i += 3) {
      ASSERT_EQ(r.pixels[i], 12);
      ASSERT_EQ(r.pixels[i + 1], 200);
      ASSERT_EQ(r.pixels[i + 2], 255);
    }
  }
  // A left-to-right ramp stays non-decreasing when shrunk or stretched.
  for (auto [w, h] : {std::pair<int, int>{50, 20}, {400, 30}}) {
    const RgbImage r = ResizeBilinearPil(Gradient(120, 40), w, h);
    for (int x = 1; x < w; ++x) EXPECT_GE(r.pixels[x * 3], r.pixels[(x - 1) * 3]);
  }
  const RgbImage same = ResizeBilinearPil(Gradient(20, 10), 20, 10);
  EXPECT_EQ(same.pixels, Gradient(20, 10).pixels);
}

}  // namespace
}  // namespace gemmakit
