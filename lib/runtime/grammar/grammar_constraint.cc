#include "runtime/grammar/grammar_constraint.h"

#include <algorithm>
#include <limits>

#include "gemmakit/status.h"

namespace gemmakit::grammar {
namespace {

// Masks kept at most (each is vocab / 8 bytes: 32 KiB for Gemma's 262K tokens).
constexpr size_t kMaxCachedMasks = 512;

}  // namespace

GrammarConstraint::GrammarConstraint(Grammar grammar, std::shared_ptr<const TokenTrie> trie,
                                     std::vector<int32_t> end_tokens)
    : matcher_(std::move(grammar)), trie_(std::move(trie)), end_tokens_(std::move(end_tokens)) {
  state_ = matcher_.start();
  walk_.assign(static_cast<size_t>(trie_->max_depth_) + 1, 0);
}

void GrammarConstraint::Reset() {
  state_ = matcher_.start();
  ended_ = false;
}

bool GrammarConstraint::IsEndToken(int32_t token) const {
  return std::find(end_tokens_.begin(), end_tokens_.end(), token) != end_tokens_.end();
}

const std::vector<uint64_t>& GrammarConstraint::AllowedTokens() {
  const auto cached = masks_.find(state_);
  if (cached != masks_.end()) return cached->second;
  if (masks_.size() >= kMaxCachedMasks) masks_.clear();
  std::vector<uint64_t> bits((trie_->n_tokens() + 63) / 64, 0);
  if (!ended_) {
    const TokenTrie& t = *trie_;
    const size_t nodes = t.n_nodes();
    walk_[0] = state_;
    for (size_t i = 0; i < nodes;) {
      const uint16_t d = t.depth_[i];
      const int32_t s = matcher_.Next(walk_[d - 1], t.byte_[i]);
      if (s == GrammarMatcher::kDead) {
        i = t.skip_[i];
        continue;
      }
      walk_[d] = s;
      for (uint32_t k = t.token_begin_[i]; k < t.token_begin_[i + 1]; ++k) {
        const auto id = static_cast<uint32_t>(t.token_ids_[k]);
        bits[id >> 6] |= uint64_t{1} << (id & 63);
      }
      ++i;
    }
  }
  return masks_.emplace(state_, std::move(bits)).first->second;
}

void GrammarConstraint::Mask(float* logits, size_t n) {
  const std::vector<uint64_t>& bits = AllowedTokens();
  const size_t n_vocab = trie_->n_tokens();
  // End tokens have no bytes, so no bit: their logits come back when the text may end here.
  const bool can_end = CanEnd();
  std::vector<std::pair<size_t, float>> ends;
  for (int32_t e : end_tokens_) {
    if (can_end && e >= 0 && static_cast<size_t>(e) < n) ends.push_back({static_cast<size_t>(e), logits[e]});
  }
  constexpr float kNever = -std::numeric_limits<float>::infinity();
  bool any = !ends.empty();
  for (size_t w = 0; w * 64 < n; ++w) {
    const uint64_t word = w < bits.size() ? bits[w] : 0;
    const size_t end = std::min(n, (w + 1) * 64);
    if (word == ~uint64_t{0} && end - w * 64 == 64 && end <= n_vocab) {
      any = true;
      continue;
    }
    for (size_t i = w * 64; i < end; ++i) {
      if (i < n_vocab && ((word >> (i & 63)) & 1)) {
        any = true;
      } else {
        logits[i] = kNever;
      }
    }
  }
  for (const auto& [id, logit] : ends) logits[id] = logit;
  if (!any) Fail(Status::kInvalidArgument, "grammar: no token of the vocabulary can continue the text");
}

void GrammarConstraint::Accept(int32_t token) {
  if (IsEndToken(token)) {
    if (!CanEnd()) Fail(Status::kInvalidArgument, "grammar: the text cannot end here");
    ended_ = true;
    return;
  }
  if (ended_ || token < 0 || static_cast<size_t>(token) >= trie_->n_tokens() || trie_->bytes(token).empty()) {
    Fail(Status::kInvalidArgument, "grammar: token " + std::to_string(token) + " cannot continue the text");
  }
  const int32_t next = matcher_.Advance(state_, trie_->bytes(token));
  if (next == GrammarMatcher::kDead) {
    Fail(Status::kInvalidArgument, "grammar: token " + std::to_string(token) + " cannot continue the text");
  }
  state_ = next;
}

}  // namespace gemmakit::grammar
