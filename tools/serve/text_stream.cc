#include "text_stream.h"

#include <algorithm>

#include "api_error.h"

namespace gemmakit_serve {
namespace {

// Bytes at the end of s that may still change with the next tokens: a UTF-8 character not yet
// complete, or the U+FFFD replacement characters the detokenizer writes for byte pieces that do
// not form a character yet (the next byte pieces may complete them).
size_t UnsettledTail(const std::string& s) {
  static const std::string kReplacement = "\xEF\xBF\xBD";
  size_t replaced = 0;
  while (s.size() - replaced >= kReplacement.size() &&
         s.compare(s.size() - replaced - kReplacement.size(), kReplacement.size(), kReplacement) == 0) {
    replaced += kReplacement.size();
  }
  if (replaced > 0) return replaced;
  const size_t n = s.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return len > back ? back : 0;
  }
  return 0;
}

}  // namespace

std::string Detokenize(const gemmakit_model* model, const int32_t* ids, size_t n) {
  std::string out(64 + n * 16, '\0');
  size_t needed = 0;
  gemmakit_status st = gemmakit_detokenize(model, ids, n, out.data(), out.size(), &needed);
  if (st == GEMMAKIT_ERR_BUFFER_TOO_SMALL) {
    out.resize(needed);
    st = gemmakit_detokenize(model, ids, n, out.data(), out.size(), &needed);
  }
  if (st != GEMMAKIT_OK) throw FromLibraryStatus(st, gemmakit_last_error());
  out.resize(needed > 0 ? needed - 1 : 0);
  return out;
}

std::string TextStream::Push(int32_t id, bool& stopped) {
  stopped = false;
  ids_.push_back(id);
  // Decoding all ids again keeps the tokenizer's joining rules (leading spaces, byte pieces)
  // without a streaming decoder in the C API; replies are short next to a forward pass.
  text_ = Detokenize(model_, ids_.data(), ids_.size());
  size_t longest_stop = 0;
  for (const std::string& s : stop_) longest_stop = std::max(longest_stop, s.size());
  const size_t from = sent_ >= longest_stop ? sent_ - longest_stop : 0;
  size_t cut = std::string::npos;
  for (const std::string& s : stop_) {
    const size_t at = text_.find(s, from);
    if (at != std::string::npos) cut = std::min(cut, at);
  }
  if (cut != std::string::npos) {
    stopped = true;
    std::string out = cut > sent_ ? text_.substr(sent_, cut - sent_) : std::string();
    sent_ = std::max(sent_, cut);
    return out;
  }
  // Hold back the longest tail that begins some stop string, and a tail still unsettled.
  size_t hold = 0;
  for (const std::string& s : stop_) {
    if (s.empty()) continue;
    for (size_t k = std::min(s.size() - 1, text_.size()); k > hold; --k) {
      if (text_.compare(text_.size() - k, k, s, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  const size_t end = text_.size() - std::max(hold, UnsettledTail(text_));
  if (end <= sent_) return std::string();
  std::string out = text_.substr(sent_, end - sent_);
  sent_ = end;
  return out;
}

std::string TextStream::Flush() {
  std::string out = text_.size() > sent_ ? text_.substr(sent_) : std::string();
  sent_ = text_.size();
  return out;
}

}  // namespace gemmakit_serve
