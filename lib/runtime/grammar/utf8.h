// The few UTF-8 facts the grammar engine needs, in one place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace gemmakit::grammar {

// Bytes of the sequence a lead byte starts: 1..4, or 0 for a continuation or invalid byte.
inline int Utf8Length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xC2) return 0;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF5) return 4;
  return 0;
}

// Decodes the code point at s[i] and advances i; returns false (i unchanged) on invalid UTF-8.
inline bool DecodeUtf8(std::string_view s, size_t& i, uint32_t& cp) {
  const int n = Utf8Length(static_cast<uint8_t>(s[i]));
  if (n == 0 || i + static_cast<size_t>(n) > s.size()) return false;
  uint32_t c = n == 1 ? static_cast<uint8_t>(s[i]) : static_cast<uint8_t>(s[i]) & (0x7F >> n);
  for (int k = 1; k < n; ++k) {
    const uint8_t b = static_cast<uint8_t>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) return false;
    c = (c << 6) | (b & 0x3F);
  }
  static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMin[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
  cp = c;
  i += static_cast<size_t>(n);
  return true;
}

inline void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace gemmakit::grammar
