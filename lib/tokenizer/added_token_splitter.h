// Finds added tokens (user-defined and special pieces such as "<start_of_turn>", "\n\n", "<td>")
// in raw text before the text reaches SentencePiece, as HuggingFace's tokenizers do: leftmost
// match, longest at that position, on the text as written. SentencePiece alone would match
// user-defined pieces only after normalizing spaces to U+2581, which differs from HuggingFace when
// the text itself contains U+2581 next to spaces.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gemmakit {

class AddedTokenSplitter {
 public:
  // special_only: matched only when the caller asks for special tokens (control pieces: "<bos>").
  void Add(std::string_view text, int32_t id, bool special_only);

  struct Span {
    size_t begin = 0, end = 0;
    int32_t id = -1;  // -1: plain text between added tokens
  };
  // Splits text into plain spans and added-token spans, in order; empty plain spans are omitted.
  std::vector<Span> Split(std::string_view text, bool with_special) const;

 private:
  struct Node {
    int32_t id = -1;  // the token ending here, or -1
    bool special_only = false;
  };
  static uint64_t EdgeKey(uint32_t node, uint8_t byte) { return (uint64_t{node} << 8) | byte; }
  // Longest token starting at text[pos]: its length, or 0.
  size_t MatchAt(std::string_view text, size_t pos, bool with_special, int32_t* id) const;

  std::vector<Node> nodes_{Node{}};                // node 0 is the root
  std::unordered_map<uint64_t, uint32_t> edges_;  // (node, byte) -> child
  std::array<bool, 256> first_byte_{};            // bytes some token starts with: a cheap filter
};

}  // namespace gemmakit
