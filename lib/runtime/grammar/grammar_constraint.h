// Constrained decoding: which tokens may come next under a grammar, as a mask over the logits,
// and the grammar's state followed token by token.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "runtime/grammar/grammar.h"
#include "runtime/grammar/grammar_matcher.h"
#include "runtime/grammar/token_trie.h"

namespace gemmakit::grammar {

class GrammarConstraint {
 public:
  // end_tokens (<eos>, <end_of_turn>) are allowed exactly when the text so far is a whole
  // sentence of the grammar.
  GrammarConstraint(Grammar grammar, std::shared_ptr<const TokenTrie> trie, std::vector<int32_t> end_tokens);

  // Back to the grammar's start; what was learned about the grammar (states, masks) stays.
  void Reset();
  // Sets logits[i] to -infinity for every token i < n that cannot continue the text (ids past
  // the vocabulary included). Throws Error(kInvalidArgument) when no token can.
  void Mask(float* logits, size_t n);
  // Follows a token. Throws Error(kInvalidArgument) for one the grammar refuses here.
  void Accept(int32_t token);
  // One bit per token of the vocabulary: set where the token may come next (end tokens aside).
  const std::vector<uint64_t>& AllowedTokens();
  bool CanEnd() const { return !ended_ && matcher_.CanEnd(state_); }
  bool ended() const { return ended_; }
  bool IsEndToken(int32_t token) const;
  // How many matcher states and masks were built so far (for benchmarks).
  size_t n_matcher_states() const { return matcher_.n_states(); }
  size_t n_masks() const { return masks_.size(); }

 private:
  GrammarMatcher matcher_;
  std::shared_ptr<const TokenTrie> trie_;
  std::vector<int32_t> end_tokens_;
  int32_t state_;
  bool ended_ = false;
  // Masks by matcher state: a state seen again (JSON strings, repeated structure) costs a copy.
  std::unordered_map<int32_t, std::vector<uint64_t>> masks_;
  std::vector<int32_t> walk_;  // matcher state per trie depth during a walk
};

}  // namespace gemmakit::grammar
