// An image as 8-bit RGB pixels: what every image becomes before Gemma 3's image processor sees it.
// Images come from JPEG or PNG files (decoded by Debian's stb_image) or from pixels an application
// already holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gemmakit {

struct RgbImage {
  // Images are refused before any pixel memory is allocated when a side exceeds kMaxSide or
  // the pixel count kMaxPixels (256 MiB of RGB).
  static constexpr int32_t kMaxSide = 32768;
  static constexpr int64_t kMaxPixels = int64_t{1} << 26;

  int32_t width = 0;
  int32_t height = 0;
  std::vector<uint8_t> pixels;  // [height][width][3], rows packed

  // A JPEG or PNG file. Grayscale, palette and 16-bit images become 8-bit RGB; alpha is dropped
  // (PIL's convert("RGB"), which HuggingFace's processor applies). Throws Error: kIoError when the
  // file cannot be read, kFormatError when it is empty, truncated or corrupt, kUnsupported for
  // another format, kInvalidArgument for dimensions over the limits.
  static RgbImage Load(const std::string& path);
  // The same from JPEG or PNG bytes in memory.
  static RgbImage Decode(const void* bytes, size_t size);
  // Copies pixels: `channels` 3 (RGB) or 4 (RGBA, alpha dropped), rows `stride` bytes apart
  // (stride >= width * channels). Throws Error(kInvalidArgument) for a NULL buffer, zero or
  // oversized dimensions, a short stride or another channel count.
  static RgbImage FromPixels(const uint8_t* pixels, int32_t width, int32_t height, size_t stride, int32_t channels);
};

}  // namespace gemmakit
