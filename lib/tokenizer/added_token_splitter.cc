#include "tokenizer/added_token_splitter.h"

namespace gemmakit {

void AddedTokenSplitter::Add(std::string_view text, int32_t id, bool special_only) {
  if (text.empty()) return;
  uint32_t node = 0;
  for (const char c : text) {
    const uint64_t key = EdgeKey(node, static_cast<uint8_t>(c));
    auto it = edges_.find(key);
    if (it == edges_.end()) {
      it = edges_.emplace(key, static_cast<uint32_t>(nodes_.size())).first;
      nodes_.emplace_back();
    }
    node = it->second;
  }
  // The first piece with a spelling keeps it (ids are added in order), as a vocabulary lookup would.
  if (nodes_[node].id < 0) nodes_[node] = Node{id, special_only};
  first_byte_[static_cast<uint8_t>(text[0])] = true;
}

size_t AddedTokenSplitter::MatchAt(std::string_view text, size_t pos, bool with_special, int32_t* id) const {
  size_t best = 0;
  uint32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    const auto it = edges_.find(EdgeKey(node, static_cast<uint8_t>(text[i])));
    if (it == edges_.end()) break;
    node = it->second;
    const Node& n = nodes_[node];
    if (n.id >= 0 && (with_special || !n.special_only)) {
      best = i + 1 - pos;
      *id = n.id;
    }
  }
  return best;
}

std::vector<AddedTokenSplitter::Span> AddedTokenSplitter::Split(std::string_view text, bool with_special) const {
  std::vector<Span> out;
  size_t plain_from = 0;
  for (size_t pos = 0; pos < text.size();) {
    int32_t id = -1;
    const size_t len = first_byte_[static_cast<uint8_t>(text[pos])] ? MatchAt(text, pos, with_special, &id) : 0;
    if (len == 0) {
      ++pos;
      continue;
    }
    if (plain_from < pos) out.push_back({plain_from, pos, -1});
    out.push_back({pos, pos + len, id});
    pos += len;
    plain_from = pos;
  }
  if (plain_from < text.size()) out.push_back({plain_from, text.size(), -1});
  return out;
}

}  // namespace gemmakit
