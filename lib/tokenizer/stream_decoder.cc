// Incremental detokenization: decode a short window of recent ids with some already-emitted ids
// in front as context (SentencePiece's decoding of a piece can depend on its neighbour), and emit
// only the text that extends past the context and does not end in an incomplete character.
#include "gemmakit/tokenizer.h"

namespace gemmakit {
namespace {

// True when the text ends inside a UTF-8 sequence or with U+FFFD, which SentencePiece writes for
// byte pieces that do not (yet) form a character.
bool EndsIncomplete(const std::string& s) {
  if (s.size() >= 3 && s.compare(s.size() - 3, 3, "\xEF\xBF\xBD") == 0) return true;
  size_t i = s.size();
  size_t cont = 0;
  while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80 && cont < 4) {
    --i;
    ++cont;
  }
  if (i == 0) return cont > 0;
  const unsigned char lead = static_cast<unsigned char>(s[i - 1]);
  size_t need = 0;
  if (lead >= 0xF0) need = 3;
  else if (lead >= 0xE0) need = 2;
  else if (lead >= 0xC0) need = 1;
  return cont < need;
}

}  // namespace

std::string StreamDecoder::Push(int32_t id) {
  ids_.push_back(id);
  const std::string before = tok_.Decode(ids_.data() + prefix_, read_ - prefix_);
  const std::string now = tok_.Decode(ids_.data() + prefix_, ids_.size() - prefix_);
  if (now.size() <= before.size() || EndsIncomplete(now) || now.compare(0, before.size(), before) != 0) {
    return "";
  }
  prefix_ = read_;
  read_ = ids_.size();
  return now.substr(before.size());
}

std::string StreamDecoder::Flush() {
  const std::string before = tok_.Decode(ids_.data() + prefix_, read_ - prefix_);
  const std::string now = tok_.Decode(ids_.data() + prefix_, ids_.size() - prefix_);
  prefix_ = read_ = ids_.size();
  if (now.size() <= before.size() || now.compare(0, before.size(), before) != 0) return "";
  return now.substr(before.size());
}

void StreamDecoder::Reset() {
  ids_.clear();
  prefix_ = read_ = 0;
}

}  // namespace gemmakit
