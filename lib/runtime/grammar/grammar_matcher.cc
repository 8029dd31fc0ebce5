#include "runtime/grammar/grammar_matcher.h"

#include <algorithm>
#include <cstring>

#include "runtime/grammar/utf8.h"

namespace gemmakit::grammar {
namespace {

// Whether a character set matches some code point in [lo, hi].
bool MatchesSomeIn(const CharSet& s, uint32_t lo, uint32_t hi) {
  if (!s.negated) {
    for (const CharRange& r : s.ranges) {
      if (r.lo <= hi && r.hi >= lo) return true;
    }
    return false;
  }
  // Negated: some point of [lo, hi] lies outside every range (sorted by the constructor).
  uint64_t next = lo;  // first point not yet known to be covered
  for (const CharRange& r : s.ranges) {
    if (r.lo > next) break;
    if (r.hi + uint64_t{1} > next) next = r.hi + uint64_t{1};
  }
  return next <= hi;
}

// The code points a UTF-8 prefix (len bytes, need in all) can still become, overlong forms out.
void PrefixRange(uint32_t partial, int32_t len, int need, uint32_t& lo, uint32_t& hi) {
  uint32_t v = static_cast<uint8_t>(partial) & (0x7Fu >> need);
  for (int32_t k = 1; k < len; ++k) v = (v << 6) | ((partial >> (8 * k)) & 0x3F);
  const int rest = need - len;
  lo = v << (6 * rest);
  hi = lo | ((1u << (6 * rest)) - 1);
  static constexpr uint32_t kShortest[5] = {0, 0, 0x80, 0x800, 0x10000};
  lo = std::max(lo, kShortest[need]);
}

}  // namespace

GrammarMatcher::GrammarMatcher(Grammar grammar) : g_(std::move(grammar)) {
  for (CharSet& c : g_.char_sets) {
    std::sort(c.ranges.begin(), c.ranges.end(), [](const CharRange& a, const CharRange& b) { return a.lo < b.lo; });
  }
  std::vector<int32_t> tops;
  for (int32_t alt : g_.alternatives[static_cast<size_t>(g_.root)]) Expand(alt, kEmptyStack, tops);
  start_ = InternState(InternSet(tops), 0, 0);
}

int32_t GrammarMatcher::InternFrame(int32_t pos, int32_t parent) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(pos)) << 32) | static_cast<uint32_t>(parent);
  const auto [it, added] = frame_ids_.emplace(key, static_cast<int32_t>(frames_.size()));
  if (added) frames_.push_back({pos, parent});
  return it->second;
}

int32_t GrammarMatcher::InternSet(std::vector<int32_t>& tops) {
  std::sort(tops.begin(), tops.end());
  tops.erase(std::unique(tops.begin(), tops.end()), tops.end());
  std::string key(tops.size() * sizeof(int32_t), '\0');
  if (!tops.empty()) std::memcpy(key.data(), tops.data(), key.size());
  const auto [it, added] = set_ids_.emplace(std::move(key), static_cast<int32_t>(sets_.size()));
  if (added) {
    sets_.push_back(tops);
    steps_.emplace_back();
  }
  return it->second;
}

int32_t GrammarMatcher::InternState(int32_t set, uint32_t partial, int32_t partial_len) {
  const uint64_t key = (static_cast<uint64_t>(static_cast<uint32_t>(set)) << 32) |
                       (static_cast<uint64_t>(partial_len) << 24) | partial;
  const auto [it, added] = state_ids_.emplace(key, static_cast<int32_t>(states_.size()));
  if (added) {
    const std::vector<int32_t>& tops = sets_[static_cast<size_t>(set)];
    const bool has_empty = !tops.empty() && tops.front() == kEmptyStack;
    states_.push_back({set, partial, partial_len, has_empty && partial_len == 0,
                       tops.size() > (has_empty ? 1u : 0u)});
    transitions_.resize(transitions_.size() + 256, kUnknown);
  }
  return it->second;
}

void GrammarMatcher::Expand(int32_t pos, int32_t parent, std::vector<int32_t>& tops) {
  // The grammar has no left recursion (the parser checks), so this ends.
  for (;;) {
    const Element& e = g_.elements[static_cast<size_t>(pos)];
    if (e.kind == Element::kChars) {
      tops.push_back(InternFrame(pos, parent));
      return;
    }
    if (e.kind == Element::kEnd) {
      if (parent == kEmptyStack) {
        tops.push_back(kEmptyStack);
        return;
      }
      const Frame f = frames_[static_cast<size_t>(parent)];
      pos = f.pos;
      parent = f.parent;
      continue;
    }
    // A rule as the last element continues straight into the frame below (a tail call), so
    // right recursion (item*, string characters) keeps stacks from growing.
    const int32_t below =
        g_.elements[static_cast<size_t>(pos) + 1].kind == Element::kEnd ? parent : InternFrame(pos + 1, parent);
    for (int32_t alt : g_.alternatives[static_cast<size_t>(e.value)]) Expand(alt, below, tops);
    return;
  }
}

int32_t GrammarMatcher::AdvanceSet(int32_t set, uint32_t cp) {
  // The next set depends only on which tops accept cp, not on cp itself: most code points of a
  // set share one answer (every character of a JSON string but '"' and '\\'), so answers are kept
  // per set by that signature.
  const std::vector<int32_t>& tops = sets_[static_cast<size_t>(set)];
  const bool small = tops.size() <= 64;
  uint64_t signature = 0;
  for (size_t i = 0; i < tops.size() && small; ++i) {
    if (tops[i] == kEmptyStack) continue;
    const Element& e = g_.elements[static_cast<size_t>(frames_[static_cast<size_t>(tops[i])].pos)];
    if (g_.char_sets[static_cast<size_t>(e.value)].Matches(cp)) signature |= uint64_t{1} << i;
  }
  if (small) {
    if (signature == 0) return -1;
    for (const auto& [sig, next] : steps_[static_cast<size_t>(set)]) {
      if (sig == signature) return next;
    }
  }
  std::vector<int32_t> next;
  for (size_t i = 0; i < tops.size(); ++i) {
    if (tops[i] == kEmptyStack) continue;
    const Frame f = frames_[static_cast<size_t>(tops[i])];
    const bool matches = small ? ((signature >> i) & 1) != 0
                               : g_.char_sets[static_cast<size_t>(g_.elements[static_cast<size_t>(f.pos)].value)].Matches(cp);
    if (matches) Expand(f.pos + 1, f.parent, next);  // Expand adds frames only: tops stays valid
  }
  const int32_t result = next.empty() ? -1 : InternSet(next);
  if (small) steps_[static_cast<size_t>(set)].push_back({signature, result});
  return result;
}

bool GrammarMatcher::MayAccept(int32_t set, uint32_t lo, uint32_t hi) const {
  // Only code points UTF-8 can spell: the prefix's range clipped to U+10FFFF, less surrogates.
  hi = std::min<uint32_t>(hi, 0x10FFFF);
  CharRange parts[2];
  int n_parts = 0;
  if (lo <= hi) {
    if (hi < 0xD800 || lo > 0xDFFF) {
      parts[n_parts++] = {lo, hi};
    } else {
      if (lo < 0xD800) parts[n_parts++] = {lo, 0xD7FF};
      if (hi > 0xDFFF) parts[n_parts++] = {0xE000, hi};
    }
  }
  for (int32_t top : sets_[static_cast<size_t>(set)]) {
    if (top == kEmptyStack) continue;
    const Element& e = g_.elements[static_cast<size_t>(frames_[static_cast<size_t>(top)].pos)];
    const CharSet& cs = g_.char_sets[static_cast<size_t>(e.value)];
    for (int k = 0; k < n_parts; ++k) {
      if (MatchesSomeIn(cs, parts[k].lo, parts[k].hi)) return true;
    }
  }
  return false;
}

int32_t GrammarMatcher::Compute(int32_t state, uint8_t byte) {
  const State s = states_[static_cast<size_t>(state)];
  int32_t result = kDead;
  if (s.partial_len == 0) {
    const int n = Utf8Length(byte);
    if (n == 1) {
      const int32_t set = AdvanceSet(s.set, byte);
      if (set >= 0) result = InternState(set, 0, 0);
    } else if (n > 1) {
      uint32_t lo, hi;
      PrefixRange(byte, 1, n, lo, hi);
      if (MayAccept(s.set, lo, hi)) result = InternState(s.set, byte, 1);
    }
  } else if ((byte & 0xC0) == 0x80) {
    const uint32_t partial = s.partial | (static_cast<uint32_t>(byte) << (8 * s.partial_len));
    const int32_t len = s.partial_len + 1;
    const int need = Utf8Length(static_cast<uint8_t>(s.partial));
    if (len == need) {
      std::string bytes;
      for (int32_t k = 0; k < len; ++k) bytes += static_cast<char>((partial >> (8 * k)) & 0xFF);
      size_t i = 0;
      uint32_t cp = 0;
      if (DecodeUtf8(bytes, i, cp)) {
        const int32_t set = AdvanceSet(s.set, cp);
        if (set >= 0) result = InternState(set, 0, 0);
      }
    } else {
      uint32_t lo, hi;
      PrefixRange(partial, len, need, lo, hi);
      if (MayAccept(s.set, lo, hi)) result = InternState(s.set, partial, len);
    }
  }
  transitions_[static_cast<size_t>(state) * 256 + byte] = result;
  return result;
}

int32_t GrammarMatcher::Advance(int32_t state, const std::string& bytes) {
  for (char c : bytes) {
    if (state == kDead) break;
    state = Next(state, static_cast<uint8_t>(c));
  }
  return state;
}

}  // namespace gemmakit::grammar
