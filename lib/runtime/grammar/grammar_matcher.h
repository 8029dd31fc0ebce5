// Runs a Grammar over UTF-8 bytes as a lazily built DFA.
//
// The grammar's own state is a set of stacks (a pushdown automaton run on every alternative at
// once, as llama.cpp does): each stack's top is a character set the next code point may match,
// the frames below it are where to continue once a rule ends. Stack frames are interned, so a
// stack is one id and equal stacks are the same id; a set of stacks is interned too. A DFA state
// is such a set plus the bytes of a code point read so far, and its 256 transitions are computed
// the first time they are asked for and kept: walking the tokens' byte trie costs one table read
// per byte once a state has been seen, and sets repeat (a JSON string's characters all lead
// back to the same set), so most steps read tables only.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime/grammar/grammar.h"

namespace gemmakit::grammar {

class GrammarMatcher {
 public:
  static constexpr int32_t kDead = -1;

  explicit GrammarMatcher(Grammar grammar);

  int32_t start() const { return start_; }
  // The state after one more byte, or kDead when no continuation of the grammar has it there.
  int32_t Next(int32_t state, uint8_t byte) {
    const int32_t t = transitions_[static_cast<size_t>(state) * 256 + byte];
    return t != kUnknown ? t : Compute(state, byte);
  }
  // Whether the bytes read so far form a whole sentence of the grammar.
  bool CanEnd(int32_t state) const { return states_[static_cast<size_t>(state)].accepting; }
  // Whether any byte may follow (false once the grammar is complete with nothing optional left).
  bool CanContinue(int32_t state) const { return states_[static_cast<size_t>(state)].can_continue; }
  // The state after the bytes, kDead when they leave the grammar.
  int32_t Advance(int32_t state, const std::string& bytes);

  size_t n_states() const { return states_.size(); }

 private:
  static constexpr int32_t kUnknown = -2;
  static constexpr int32_t kEmptyStack = -1;  // in a stack set: the grammar may end here

  struct Frame {
    int32_t pos;     // top frames: a kChars element; lower frames: where to continue
    int32_t parent;  // frame below, or kEmptyStack
  };
  struct State {
    int32_t set;            // index into sets_
    uint32_t partial;       // bytes of an unfinished code point, first in the low byte
    int32_t partial_len;    // how many
    bool accepting;
    bool can_continue;
  };

  int32_t Compute(int32_t state, uint8_t byte);
  int32_t InternFrame(int32_t pos, int32_t parent);
  int32_t InternSet(std::vector<int32_t>& tops);  // sorts and dedups tops
  int32_t InternState(int32_t set, uint32_t partial, int32_t partial_len);
  // Pushes the tops reached from continuing at pos with `parent` below.
  void Expand(int32_t pos, int32_t parent, std::vector<int32_t>& tops);
  // The set after one code point, or -1 when none of its stacks accepts it.
  int32_t AdvanceSet(int32_t set, uint32_t cp);
  // Whether some stack of the set accepts a valid code point in [lo, hi] (the code points a UTF-8
  // prefix can still become), so that a token ending inside a character never leads nowhere.
  bool MayAccept(int32_t set, uint32_t lo, uint32_t hi) const;

  Grammar g_;
  std::vector<Frame> frames_;
  std::unordered_map<uint64_t, int32_t> frame_ids_;
  std::vector<std::vector<int32_t>> sets_;
  std::unordered_map<std::string, int32_t> set_ids_;
  std::vector<State> states_;
  std::unordered_map<uint64_t, int32_t> state_ids_;
  std::vector<int32_t> transitions_;  // 256 per state
  // Per set: (which of its tops accept a code point, as bits) -> the next set, or -1.
  std::vector<std::vector<std::pair<uint64_t, int32_t>>> steps_;
  int32_t start_ = 0;
};

}  // namespace gemmakit::grammar
