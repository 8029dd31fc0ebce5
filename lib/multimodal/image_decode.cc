// RgbImage from files, encoded bytes and raw pixels. Decoding is Debian's stb_image (libstb), a
// shared library built without this project's sanitizers; gemmakit accepts only JPEG and PNG and
// checks the header's dimensions before stb allocates anything.
#include <stb_image.h>

#include <cstring>
#include <memory>
#include <string>

#include "gemmakit/image.h"
#include "gemmakit/status.h"
#include "io/mapped_file.h"

namespace gemmakit {
namespace {

bool IsPng(const uint8_t* p, size_t n) {
  static const uint8_t kMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return n >= 8 && std::memcmp(p, kMagic, 8) == 0;
}

bool IsJpeg(const uint8_t* p, size_t n) { return n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff; }

uint32_t Be(const uint8_t* p, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

// The dimensions a PNG's IHDR or a JPEG's start-of-frame claims, read before stb sees the file (stb
// refuses some huge headers but reports them as an unknown format).
bool HeaderDimensions(const uint8_t* p, size_t n, int64_t* w, int64_t* h) {
  if (IsPng(p, n)) {
    if (n < 24 || std::memcmp(p + 12, "IHDR", 4) != 0) return false;
    *w = Be(p + 16, 4);
    *h = Be(p + 20, 4);
    return true;
  }
  // JPEG: walk the marker segments up to the first SOFn (C0-CF except C4 DHT, C8 JPG, CC DAC).
  size_t i = 2;
  while (i + 9 <= n && p[i] == 0xff) {
    const uint8_t m = p[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
      *h = Be(p + i + 5, 2);
      *w = Be(p + i + 7, 2);
      return true;
    }
    i += 2 + Be(p + i + 2, 2);
  }
  return false;
}

void CheckDimensions(int64_t width, int64_t height) {
  if (width <= 0 || height <= 0) Fail(Status::kInvalidArgument, "image has zero size");
  if (width > RgbImage::kMaxSide || height > RgbImage::kMaxSide || width * height > RgbImage::kMaxPixels) {
    Fail(Status::kInvalidArgument, "image of " + std::to_string(width) + "x" + std::to_string(height) +
                                       " pixels exceeds the limit (sides up to " + std::to_string(RgbImage::kMaxSide) +
                                       ", " + std::to_string(RgbImage::kMaxPixels) + " pixels)");
  }
}

RgbImage DecodeWithName(const uint8_t* bytes, size_t size, const std::string& name) {
  if (size == 0) Fail(Status::kFormatError, name + " is empty");
  if (!IsPng(bytes, size) && !IsJpeg(bytes, size)) {
    Fail(Status::kUnsupported, name + " is not a JPEG or PNG image");
  }
  if (size > static_cast<size_t>(INT32_MAX)) Fail(Status::kInvalidArgument, name + " is larger than 2 GiB");
  const int len = static_cast<int>(size);
  if (int64_t hw = 0, hh = 0; HeaderDimensions(bytes, size, &hw, &hh) && hw > 0 && hh > 0) CheckDimensions(hw, hh);
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(bytes, len, &w, &h, &comp)) {
    Fail(Status::kFormatError, name + ": cannot read the image header (" + stbi_failure_reason() + ")");
  }
  CheckDimensions(w, h);
  std::unique_ptr<stbi_uc, void (*)(void*)> data(stbi_load_from_memory(bytes, len, &w, &h, &comp, 3), stbi_image_free);
  if (!data) Fail(Status::kFormatError, name + ": corrupt or truncated image (" + stbi_failure_reason() + ")");
  CheckDimensions(w, h);
  RgbImage img;
  img.width = w;
  img.height = h;
  img.pixels.assign(data.get(), data.get() + static_cast<size_t>(w) * static_cast<size_t>(h) * 3);
  return img;
}

}  // namespace

RgbImage RgbImage::Load(const std::string& path) {
  if (path.empty()) Fail(Status::kInvalidArgument, "no image path given");
  if (!FileExists(path) || IsDirectory(path)) Fail(Status::kIoError, "image file does not exist: " + path);
  auto file = MappedFile::Open(path);
  return DecodeWithName(static_cast<const uint8_t*>(file->data()), file->size(), path);
}

RgbImage RgbImage::Decode(const void* bytes, size_t size) {
  if (bytes == nullptr && size > 0) Fail(Status::kInvalidArgument, "image bytes are NULL");
  return DecodeWithName(static_cast<const uint8_t*>(bytes), size, "image data");
}

RgbImage RgbImage::FromPixels(const uint8_t* pixels, int32_t width, int32_t height, size_t stride, int32_t channels) {
  if (channels != 3 && channels != 4) Fail(Status::kInvalidArgument, "pixels must have 3 (RGB) or 4 (RGBA) channels");
  CheckDimensions(width, height);
  if (pixels == nullptr) Fail(Status::kInvalidArgument, "pixel buffer is NULL");
  const size_t row = static_cast<size_t>(width) * static_cast<size_t>(channels);
  if (stride < row) {
    Fail(Status::kInvalidArgument, "stride " + std::to_string(stride) + " is shorter than a row of " +
                                       std::to_string(row) + " bytes");
  }
  RgbImage img;
  img.width = width;
  img.height = height;
  img.pixels.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
  for (int32_t y = 0; y < height; ++y) {
    const uint8_t* src = pixels + static_cast<size_t>(y) * stride;
    uint8_t* dst = &img.pixels[static_cast<size_t>(y) * static_cast<size_t>(width) * 3];
    for (int32_t x = 0; x < width; ++x) {
      std::memcpy(dst + 3 * x, src + channels * x, 3);
    }
  }
  return img;
}

}  // namespace gemmakit
