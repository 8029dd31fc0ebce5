#include "multimodal/image_processor.h"

#include <cmath>
#include <cstring>

#include "gemmakit/status.h"
#include "multimodal/pil_resize.h"

namespace gemmakit {
namespace {

RgbImage Crop(const RgbImage& in, int32_t x0, int32_t y0, int32_t w, int32_t h) {
  // numpy slicing clamps at the border, so the last crop can be narrower.
  w = std::min(w, in.width - x0);
  h = std::min(h, in.height - y0);
  RgbImage out;
  out.width = w;
  out.height = h;
  out.pixels.resize(static_cast<size_t>(w) * h * 3);
  for (int32_t y = 0; y < h; ++y) {
    std::memcpy(&out.pixels[static_cast<size_t>(y) * w * 3], &in.pixels[(static_cast<size_t>(y0 + y) * in.width + x0) * 3],
                static_cast<size_t>(w) * 3);
  }
  return out;
}

}  // namespace

std::vector<RgbImage> PanAndScanCrops(const RgbImage& image, const ImageProcessorConfig& c) {
  const double width = image.width, height = image.height;
  const int64_t min_crop = c.pan_and_scan_min_crop_size;
  int64_t crops_w = 1, crops_h = 1;
  if (width >= height) {
    if (width / height < c.pan_and_scan_min_ratio_to_activate) return {};
    crops_w = static_cast<int64_t>(std::floor(width / height + 0.5));
    crops_w = std::min(static_cast<int64_t>(std::floor(width / static_cast<double>(min_crop))), crops_w);
    crops_w = std::min(c.pan_and_scan_max_num_crops, std::max<int64_t>(2, crops_w));
  } else {
    if (height / width < c.pan_and_scan_min_ratio_to_activate) return {};
    crops_h = static_cast<int64_t>(std::floor(height / width + 0.5));
    crops_h = std::min(static_cast<int64_t>(std::floor(height / static_cast<double>(min_crop))), crops_h);
    crops_h = std::min(c.pan_and_scan_max_num_crops, std::max<int64_t>(2, crops_h));
  }
  const int64_t crop_w = static_cast<int64_t>(std::ceil(width / static_cast<double>(crops_w)));
  const int64_t crop_h = static_cast<int64_t>(std::ceil(height / static_cast<double>(crops_h)));
  if (std::min(crop_w, crop_h) < min_crop) return {};
  std::vector<RgbImage> crops;
  for (int64_t i = 0; i < crops_h; ++i) {
    for (int64_t j = 0; j < crops_w; ++j) {
      crops.push_back(Crop(image, static_cast<int32_t>(j * crop_w), static_cast<int32_t>(i * crop_h),
                           static_cast<int32_t>(crop_w), static_cast<int32_t>(crop_h)));
    }
  }
  return crops;
}

std::vector<float> PreprocessImage(const RgbImage& image, const ImageProcessorConfig& c, int32_t height, int32_t width) {
  if (image.width <= 0 || image.height <= 0) Fail(Status::kInvalidArgument, "image has zero size");
  RgbImage resized;
  const RgbImage* src = &image;
  if (c.do_resize) {
    resized = ResizeBilinearPil(image, width, height);
    src = &resized;
  } else if (image.width != width || image.height != height) {
    Fail(Status::kInvalidArgument, "image is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                       " but the vision tower reads " + std::to_string(width) + "x" +
                                       std::to_string(height) + " and the processor does not resize");
  }
  const size_t plane = static_cast<size_t>(width) * static_cast<size_t>(height);
  std::vector<float> out(3 * plane);
  for (int ch = 0; ch < 3; ++ch) {
    const float mean = static_cast<float>(c.image_mean[ch]), std_dev = static_cast<float>(c.image_std[ch]);
    for (size_t i = 0; i < plane; ++i) {
      const uint8_t v = src->pixels[i * 3 + ch];
      float x = c.do_rescale ? static_cast<float>(static_cast<double>(v) * c.rescale_factor) : static_cast<float>(v);
      if (c.do_normalize) x = (x - mean) / std_dev;
      out[ch * plane + i] = x;
    }
  }
  return out;
}

}  // namespace gemmakit
