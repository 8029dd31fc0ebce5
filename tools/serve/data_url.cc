#include "data_url.h"

#include <cstdint>
#include <vector>

#include "api_error.h"

namespace gemmakit_serve {
namespace {

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

std::vector<uint8_t> DecodeBase64(const std::string& s, size_t from) {
  std::vector<uint8_t> out;
  out.reserve((s.size() - from) * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = from; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '=') break;
    if (c == '\n' || c == '\r' || c == ' ') continue;
    const int v = Base64Value(c);
    if (v < 0) throw BadRequest("invalid_image_url", "the image data URL is not valid base64", "messages");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

ImagePtr DecodeImageDataUrl(const std::string& url) {
  const std::string marker = ";base64,";
  const size_t at = url.find(marker);
  if (url.rfind("data:", 0) != 0 || at == std::string::npos) {
    throw BadRequest("invalid_image_url",
                     "only images sent inline as base64 data URLs (data:image/...;base64,...) are supported; the "
                     "server does not fetch URLs",
                     "messages");
  }
  const std::vector<uint8_t> bytes = DecodeBase64(url, at + marker.size());
  gemmakit_image* image = nullptr;
  const gemmakit_status st = gemmakit_image_decode(bytes.data(), bytes.size(), &image);
  if (st != GEMMAKIT_OK) throw BadRequest("invalid_image_url", std::string("image: ") + gemmakit_last_error(), "messages");
  return ImagePtr(image, ImageDeleter());
}

}  // namespace gemmakit_serve
