#include "runtime/image_prompt.h"

#include <string>

#include "gemmakit/status.h"

namespace gemmakit {

uint64_t ImageKey(const RgbImage& image, uint64_t salt) {
  uint64_t h = 1469598103934665603ull ^ salt;
  auto mix = [&](uint64_t byte) {
    h ^= byte;
    h *= 1099511628211ull;
  };
  for (int shift = 0; shift < 32; shift += 8) {
    mix((static_cast<uint32_t>(image.width) >> shift) & 0xff);
    mix((static_cast<uint32_t>(image.height) >> shift) & 0xff);
  }
  for (uint8_t b : image.pixels) mix(b);
  return h ? h : 1;
}

ImagePrompt TokenizeWithImages(const Tokenizer& tok, const VisionModel& vision, std::string_view text,
                               const std::vector<const RgbImage*>& images, bool pan_and_scan, bool parse_special) {
  const VisionConfig& vc = vision.config();
  std::vector<size_t> markers;
  for (size_t p = text.find(kImageMarker); p != std::string_view::npos; p = text.find(kImageMarker, p + kImageMarker.size())) {
    markers.push_back(p);
  }
  if (markers.size() != images.size()) {
    Fail(Status::kInvalidArgument, "the prompt has " + std::to_string(markers.size()) + " image place(s) (" +
                                       std::string(kImageMarker) + ") for " + std::to_string(images.size()) + " image(s)");
  }
  ImagePrompt out;
  std::string pending;
  auto flush = [&] {
    const std::vector<int32_t> ids = tok.Encode(pending, parse_special);
    out.ids.insert(out.ids.end(), ids.begin(), ids.end());
    pending.clear();
  };
  // "\n\n<start_of_image>" + soft tokens + "<end_of_image>\n\n"; the markers' ids are pushed
  // directly, which is what the tokenizer makes of them as special tokens.
  auto image_sequence = [&](RgbImage sub, uint64_t key) {
    pending += "\n\n";
    flush();
    out.ids.push_back(vc.start_of_image);
    ImageSlot slot;
    slot.offset = out.ids.size();
    slot.image = std::move(sub);
    slot.key = key;
    out.slots.push_back(std::move(slot));
    out.ids.insert(out.ids.end(), static_cast<size_t>(vc.tokens_per_image), vc.image_token);
    out.ids.push_back(vc.end_of_image);
    pending += "\n\n";
  };
  size_t pos = 0;
  for (size_t k = 0; k < images.size(); ++k) {
    pending.append(text.substr(pos, markers[k] - pos));
    pos = markers[k] + kImageMarker.size();
    std::vector<RgbImage> subs = vision.SubImages(*images[k], pan_and_scan);
    const uint64_t key = ImageKey(*images[k], 0);
    if (subs.size() == 1) {
      image_sequence(std::move(subs[0]), key);
      continue;
    }
    pending += "Here is the original image ";
    image_sequence(std::move(subs[0]), key);
    pending += " and here are some crops to help you see better ";
    for (size_t j = 1; j < subs.size(); ++j) {
      if (j > 1) pending += " ";
      const uint64_t crop_key = ImageKey(subs[j], key + j);
      image_sequence(std::move(subs[j]), crop_key);
    }
  }
  pending.append(text.substr(pos));
  flush();
  return out;
}

}  // namespace gemmakit
