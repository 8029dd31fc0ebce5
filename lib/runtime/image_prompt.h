// Text with images → token ids, as HuggingFace's Gemma3Processor and tokenizer make them: each
// "<start_of_image>" in the text (what the chat template renders for an image part) stands for the
// next image and becomes "\n\n<start_of_image>" + tokens_per_image soft tokens + "<end_of_image>\n\n".
// With pan-and-scan, an image that gets crops becomes "Here is the original image <start_of_image>
// and here are some crops to help you see better <start_of_image> <start_of_image>...", each marker
// expanded the same way. The special tokens split the text, so each text run is tokenized alone.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "gemmakit/image.h"
#include "gemmakit/tokenizer.h"
#include "multimodal/vision_model.h"

namespace gemmakit {

struct ImageSlot {
  size_t offset = 0;  // of the first soft token in ids
  RgbImage image;     // the image or crop its soft tokens show
  uint64_t key = 0;   // identifies the pixels (never 0)
};

struct ImagePrompt {
  std::vector<int32_t> ids;
  std::vector<ImageSlot> slots;  // in order
};

constexpr std::string_view kImageMarker = "<start_of_image>";

// Throws Error(kInvalidArgument) when the number of markers differs from the number of images.
ImagePrompt TokenizeWithImages(const Tokenizer& tok, const VisionModel& vision, std::string_view text,
                               const std::vector<const RgbImage*>& images, bool pan_and_scan, bool parse_special);

// A key for an image's pixels (FNV-1a over its size and bytes), never 0.
uint64_t ImageKey(const RgbImage& image, uint64_t salt);

}  // namespace gemmakit
