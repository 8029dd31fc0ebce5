#include "runtime/grammar/token_trie.h"

#include <algorithm>
#include <numeric>

#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"

namespace gemmakit::grammar {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// "<0x41>" -> 0x41; -1 for any other piece.
int BytePiece(const std::string& piece) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>') return -1;
  const int hi = HexDigit(piece[3]), lo = HexDigit(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

}  // namespace

std::shared_ptr<const TokenTrie> TokenTrie::Build(const Tokenizer& tokenizer) {
  const int32_t n = tokenizer.vocab_size();
  const SpecialTokens& sp = tokenizer.special();
  std::vector<std::string> bytes(static_cast<size_t>(n));
  for (int32_t id = 0; id < n; ++id) {
    if (id == sp.bos || id == sp.eos || id == sp.end_of_turn || id == sp.start_of_turn || id == sp.pad ||
        id == sp.unk) {
      continue;
    }
    const int b = BytePiece(tokenizer.IdToPiece(id));
    bytes[static_cast<size_t>(id)] = b >= 0 ? std::string(1, static_cast<char>(b)) : tokenizer.Decode(&id, 1);
  }
  return FromBytes(std::move(bytes));
}

std::shared_ptr<const TokenTrie> TokenTrie::FromBytes(std::vector<std::string> token_bytes) {
  auto t = std::make_shared<TokenTrie>();
  std::vector<int32_t> order;
  for (size_t i = 0; i < token_bytes.size(); ++i) {
    if (token_bytes[i].size() > 0xFFFF) Fail(Status::kInvalidArgument, "token " + std::to_string(i) + " is too long");
    if (!token_bytes[i].empty()) order.push_back(static_cast<int32_t>(i));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return token_bytes[static_cast<size_t>(a)] < token_bytes[static_cast<size_t>(b)]; });
  // Sorted strings give the depth-first order directly: a token shares with the one before it
  // the nodes of their common prefix, and adds one node per byte after it.
  const std::string* prev = nullptr;
  for (int32_t id : order) {
    const std::string& s = token_bytes[static_cast<size_t>(id)];
    size_t common = 0;
    if (prev) {
      while (common < s.size() && common < prev->size() && s[common] == (*prev)[common]) ++common;
    }
    for (size_t d = common; d < s.size(); ++d) {
      t->byte_.push_back(static_cast<uint8_t>(s[d]));
      t->depth_.push_back(static_cast<uint16_t>(d + 1));
      t->token_begin_.push_back(static_cast<uint32_t>(t->token_ids_.size()));
    }
    // Tokens ending at the deepest node: it is the last node added, or (same bytes as the
    // previous token) still the last one, so its range simply grows.
    t->token_ids_.push_back(id);
    t->max_depth_ = std::max<uint16_t>(t->max_depth_, static_cast<uint16_t>(s.size()));
    prev = &s;
  }
  t->token_begin_.push_back(static_cast<uint32_t>(t->token_ids_.size()));
  // A subtree ends at the next node no deeper than its root.
  const size_t nodes = t->byte_.size();
  t->skip_.assign(nodes, static_cast<uint32_t>(nodes));
  std::vector<uint32_t> open;
  for (size_t i = 0; i < nodes; ++i) {
    while (!open.empty() && t->depth_[open.back()] >= t->depth_[i]) {
      t->skip_[open.back()] = static_cast<uint32_t>(i);
      open.pop_back();
    }
    open.push_back(static_cast<uint32_t>(i));
  }
  t->bytes_ = std::move(token_bytes);
  return t;
}

}  // namespace gemmakit::grammar
