// A context-free grammar over Unicode code points, in the form the matcher walks: each rule is a
// list of alternatives, each alternative a run of elements (a character set or a reference to a
// rule) ended by kEnd, all laid out in one flat array so that a position is one index.
// ParseGbnf builds it from llama.cpp's GBNF text; groups and repetitions become generated rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gemmakit::grammar {

struct CharRange {
  uint32_t lo, hi;  // inclusive
};

// [a-z0-9], [^"\\], or "any" (negated with no ranges).
struct CharSet {
  bool negated = false;
  std::vector<CharRange> ranges;
  bool Matches(uint32_t cp) const {
    bool in = false;
    for (const CharRange& r : ranges) {
      if (cp >= r.lo && cp <= r.hi) {
        in = true;
        break;
      }
    }
    return in != negated;
  }
};

struct Element {
  enum Kind : uint8_t { kEnd, kChars, kRule };
  Kind kind = kEnd;
  int32_t value = 0;  // kChars: index into Grammar::char_sets; kRule: rule index
};

struct Grammar {
  std::vector<std::string> rule_names;
  // Per rule, the position in `elements` where each alternative starts.
  std::vector<std::vector<int32_t>> alternatives;
  std::vector<Element> elements;
  std::vector<CharSet> char_sets;
  int32_t root = -1;
};

// Parses GBNF (llama.cpp's grammar format: `name ::= ...` rules; alternation `|`; grouping
// `( )`; `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`; "literals"; [classes] with ranges and `^`
// negation; `.`; escapes \n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH; `#` comments). Checks that
// every referenced rule is defined, that `root` exists and that no rule is left-recursive (which
// a stack-based matcher cannot run). Throws Error(kInvalidArgument) with "line L, column C".
Grammar ParseGbnf(std::string_view text, std::string_view root = "root");

}  // namespace gemmakit::grammar
