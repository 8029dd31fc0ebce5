// Every token's bytes, once per vocabulary, as a trie laid out in depth-first order: walking it
// with a GrammarMatcher visits a prefix shared by many tokens once, and skips the whole subtree
// of a prefix the grammar refuses with one jump.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gemmakit {
class Tokenizer;
}

namespace gemmakit::grammar {

class TokenTrie {
 public:
  // Token i's bytes: "<0xNN>" byte pieces are that byte, other pieces what Tokenizer::Decode
  // writes for them alone (Gemma adds no dummy prefix, so that is their text in any context).
  // Control tokens (no text) and the special ids (<bos>, <eos>, <end_of_turn>, <start_of_turn>,
  // <pad>, <unk>) get none: grammar text never contains them.
  static std::shared_ptr<const TokenTrie> Build(const Tokenizer& tokenizer);
  // From explicit byte strings (tests and benchmarks); empty strings are never allowed tokens.
  static std::shared_ptr<const TokenTrie> FromBytes(std::vector<std::string> token_bytes);

  size_t n_tokens() const { return bytes_.size(); }
  const std::string& bytes(int32_t token) const { return bytes_[static_cast<size_t>(token)]; }

  // Depth-first nodes (the root is implicit): node i holds byte byte_[i] at depth depth_[i]
  // (1 for the root's children); skip_[i] is the first node after its subtree; the tokens that
  // end at it are token_ids_[token_begin_[i] .. token_begin_[i + 1]).
  size_t n_nodes() const { return byte_.size(); }
  std::vector<uint8_t> byte_;
  std::vector<uint16_t> depth_;
  std::vector<uint32_t> skip_;
  std::vector<uint32_t> token_begin_;
  std::vector<int32_t> token_ids_;
  uint16_t max_depth_ = 0;

 private:
  std::vector<std::string> bytes_;
};

}  // namespace gemmakit::grammar
