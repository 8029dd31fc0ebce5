// GBNF text -> Grammar. A recursive-descent parser over the text that builds rules as nested
// vectors (rule -> alternatives -> elements), then lays them out flat; groups and repetitions
// become rules of their own named after the rule they appear in ("value_3").
#include <map>
#include <string>

#include "gemmakit/status.h"
#include "runtime/grammar/grammar.h"
#include "runtime/grammar/utf8.h"

namespace gemmakit::grammar {
namespace {

using Sequence = std::vector<Element>;

struct RuleDraft {
  std::string name;
  std::vector<Sequence> alternatives;
  size_t defined_at = std::string::npos;  // offset of the definition; npos while only referenced
  size_t first_use = 0;
  bool generated = false;  // a group or repetition, named after the rule it appears in
};

// Repetition bounds past this are refused: each copy is spelled out in the grammar.
constexpr uint64_t kMaxRepetition = 100000;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Grammar Parse(std::string_view root) {
    SkipSpace(true);
    while (pos_ < text_.size()) {
      ParseRule();
      SkipSpace(true);
    }
    if (rules_.empty()) Error(0, "the grammar has no rules");
    for (const RuleDraft& r : rules_) {
      if (r.defined_at == std::string::npos) Error(r.first_use, "rule '" + r.name + "' is used but never defined");
    }
    const auto it = ids_.find(std::string(root));
    if (it == ids_.end()) Error(0, "the grammar has no rule named '" + std::string(root) + "'");
    CheckLeftRecursion();
    return Layout(it->second);
  }

 private:
  [[noreturn]] void Error(size_t at, const std::string& message) const {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    Fail(Status::kInvalidArgument,
         "grammar: line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + message);
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  // Spaces, tabs and comments; newlines too where a rule may continue on the next line.
  void SkipSpace(bool newlines) {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
        ++pos_;
      } else if (c == '#') {
        while (!AtEnd() && Peek() != '\n' && Peek() != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  static bool IsNameChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  }

  std::string ParseName() {
    const size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    if (pos_ == start) Error(pos_, "expected a rule name");
    return std::string(text_.substr(start, pos_ - start));
  }

  int32_t RuleId(const std::string& name, size_t used_at) {
    const auto it = ids_.find(name);
    if (it != ids_.end()) return it->second;
    const int32_t id = static_cast<int32_t>(rules_.size());
    rules_.push_back({name, {}, std::string::npos, used_at});
    ids_.emplace(name, id);
    return id;
  }

  int32_t NewRule(const std::string& base, std::vector<Sequence> alternatives) {
    std::string name;
    do name = base + "_" + std::to_string(++generated_); while (ids_.count(name));
    const int32_t id = RuleId(name, pos_);
    rules_[id].alternatives = std::move(alternatives);
    rules_[id].defined_at = pos_;
    rules_[id].generated = true;
    return id;
  }

  void ParseRule() {
    const size_t start = pos_;
    const std::string name = ParseName();
    SkipSpace(false);
    if (text_.substr(pos_, 3) != "::=") Error(pos_, "expected '::=' after rule name '" + name + "'");
    pos_ += 3;
    SkipSpace(true);
    const int32_t id = RuleId(name, start);
    if (rules_[id].defined_at != std::string::npos) Error(start, "rule '" + name + "' is defined twice");
    rules_[id].defined_at = start;
    auto alternatives = ParseAlternatives(name, false);
    rules_[id].alternatives = std::move(alternatives);
    if (!AtEnd() && Peek() != '\n' && Peek() != '\r') Error(pos_, std::string("unexpected '") + Peek() + "'");
  }

  std::vector<Sequence> ParseAlternatives(const std::string& rule, bool nested) {
    std::vector<Sequence> alts;
    alts.push_back(ParseSequence(rule, nested));
    while (Peek() == '|') {
      ++pos_;
      SkipSpace(true);
      alts.push_back(ParseSequence(rule, nested));
    }
    return alts;
  }

  int32_t AddCharSet(CharSet set) {
    chars_.push_back(std::move(set));
    return static_cast<int32_t>(chars_.size() - 1);
  }

  Element Chars(CharSet set) { return {Element::kChars, AddCharSet(std::move(set))}; }

  // One character of a literal or class, escapes decoded.
  uint32_t ParseChar() {
    if (AtEnd()) Error(pos_, "unexpected end of grammar");
    if (Peek() == '\\') {
      const size_t at = pos_;
      ++pos_;
      if (AtEnd()) Error(at, "unfinished escape");
      const char e = text_[pos_++];
      switch (e) {
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case '\\': case '"': case '[': case ']': case '\'': case '-': case '^': return static_cast<uint8_t>(e);
        case 'x': return ParseHex(2, at);
        case 'u': return ParseHex(4, at);
        case 'U': return ParseHex(8, at);
        default: Error(at, std::string("unknown escape '\\") + e + "'");
      }
    }
    uint32_t cp = 0;
    if (!DecodeUtf8(text_, pos_, cp)) Error(pos_, "invalid UTF-8");
    return cp;
  }

  uint32_t ParseHex(int digits, size_t at) {
    uint32_t v = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = Peek();
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else Error(at, "escape needs " + std::to_string(digits) + " hex digits");
      v = v * 16 + static_cast<uint32_t>(d);
      ++pos_;
    }
    if (v > 0x10FFFF) Error(at, "code point out of range");
    return v;
  }

  Sequence ParseLiteral() {
    const size_t start = pos_;
    ++pos_;  // "
    Sequence seq;
    while (Peek() != '"') {
      if (AtEnd() || Peek() == '\n') Error(start, "unterminated string literal");
      const uint32_t cp = ParseChar();
      seq.push_back(Chars({false, {{cp, cp}}}));
    }
    ++pos_;
    return seq;
  }

  Element ParseClass() {
    const size_t start = pos_;
    ++pos_;  // [
    CharSet set;
    if (Peek() == '^') {
      set.negated = true;
      ++pos_;
    }
    while (Peek() != ']') {
      if (AtEnd() || Peek() == '\n') Error(start, "unterminated character class");
      const uint32_t lo = ParseChar();
      uint32_t hi = lo;
      if (Peek() == '-' && Peek(1) != ']' && Peek(1) != '\0' && Peek(1) != '\n') {
        ++pos_;
        const size_t at = pos_;
        hi = ParseChar();
        if (hi < lo) Error(at, "range end is below its start");
      }
      set.ranges.push_back({lo, hi});
    }
    ++pos_;
    return Chars(std::move(set));
  }

  uint64_t ParseCount() {
    const size_t start = pos_;
    uint64_t v = 0;
    while (Peek() >= '0' && Peek() <= '9') {
      v = v * 10 + static_cast<uint64_t>(Peek() - '0');
      if (v > kMaxRepetition) Error(start, "repetition count over " + std::to_string(kMaxRepetition));
      ++pos_;
    }
    if (pos_ == start) Error(pos_, "expected a number");
    return v;
  }

  // Replaces seq[from, end) (the last symbol) with min..max copies of it (max < 0: unbounded).
  void Repeat(const std::string& rule, Sequence& seq, size_t from, uint64_t min, int64_t max) {
    const Sequence item(seq.begin() + static_cast<std::ptrdiff_t>(from), seq.end());
    seq.resize(from);
    for (uint64_t i = 0; i < min; ++i) seq.insert(seq.end(), item.begin(), item.end());
    if (max < 0) {
      // star ::= item star | (empty)
      const int32_t star = NewRule(rule, {});
      Sequence loop = item;
      loop.push_back({Element::kRule, star});
      rules_[star].alternatives = {loop, {}};
      seq.push_back({Element::kRule, star});
      return;
    }
    // Nested optionals, (item (item (item)?)?)?, keep the copies a single chain.
    int32_t tail = -1;
    for (uint64_t i = min; i < static_cast<uint64_t>(max); ++i) {
      Sequence alt = item;
      if (tail >= 0) alt.push_back({Element::kRule, tail});
      tail = NewRule(rule, {alt, {}});
    }
    if (tail >= 0) seq.push_back({Element::kRule, tail});
  }

  Sequence ParseSequence(const std::string& rule, bool nested) {
    Sequence seq;
    size_t last = std::string::npos;  // where the last symbol starts in seq
    for (;;) {
      const char c = Peek();
      const size_t here = seq.size();
      if (c == '"') {
        const Sequence lit = ParseLiteral();
        seq.insert(seq.end(), lit.begin(), lit.end());
        last = here;
      } else if (c == '[') {
        seq.push_back(ParseClass());
        last = here;
      } else if (c == '.') {
        ++pos_;
        seq.push_back(Chars({true, {}}));
        last = here;
      } else if (c == '(') {
        const size_t open = pos_;
        ++pos_;
        SkipSpace(true);
        auto alts = ParseAlternatives(rule, true);
        if (Peek() != ')') Error(open, "unclosed '('");
        ++pos_;
        seq.push_back({Element::kRule, NewRule(rule, std::move(alts))});
        last = here;
      } else if (IsNameChar(c)) {
        const size_t at = pos_;
        const std::string name = ParseName();
        seq.push_back({Element::kRule, RuleId(name, at)});
        last = here;
      } else if (c == '*' || c == '+' || c == '?' || c == '{') {
        if (last == std::string::npos) Error(pos_, std::string("'") + c + "' follows nothing");
        ++pos_;
        if (c == '*') {
          Repeat(rule, seq, last, 0, -1);
        } else if (c == '+') {
          Repeat(rule, seq, last, 1, -1);
        } else if (c == '?') {
          Repeat(rule, seq, last, 0, 1);
        } else {
          const size_t open = pos_ - 1;
          SkipSpace(false);
          const uint64_t min = ParseCount();
          SkipSpace(false);
          int64_t max = static_cast<int64_t>(min);
          if (Peek() == ',') {
            ++pos_;
            SkipSpace(false);
            max = (Peek() >= '0' && Peek() <= '9') ? static_cast<int64_t>(ParseCount()) : -1;
            SkipSpace(false);
          }
          if (Peek() != '}') Error(open, "unclosed '{'");
          ++pos_;
          if (max >= 0 && static_cast<uint64_t>(max) < min) Error(open, "repetition maximum is below its minimum");
          Repeat(rule, seq, last, min, max);
        }
        last = std::string::npos;  // x** is not GBNF
      } else {
        break;
      }
      SkipSpace(nested);
    }
    return seq;
  }

  void CheckLeftRecursion() const {
    const size_t n = rules_.size();
    std::vector<bool> nullable(n, false);
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t r = 0; r < n; ++r) {
        if (nullable[r]) continue;
        for (const Sequence& alt : rules_[r].alternatives) {
          bool all = true;
          for (const Element& e : alt) all = all && e.kind == Element::kRule && nullable[e.value];
          if (all) {
            nullable[r] = changed = true;
            break;
          }
        }
      }
    }
    // Edges to the rules each rule can start with; a cycle among them is left recursion.
    std::vector<std::vector<int32_t>> first(n);
    for (size_t r = 0; r < n; ++r) {
      for (const Sequence& alt : rules_[r].alternatives) {
        for (const Element& e : alt) {
          if (e.kind != Element::kRule) break;
          first[r].push_back(e.value);
          if (!nullable[e.value]) break;
        }
      }
    }
    std::vector<int> state(n, 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::pair<int32_t, size_t>> stack;
    for (size_t s = 0; s < n; ++s) {
      if (state[s]) continue;
      stack.push_back({static_cast<int32_t>(s), 0});
      state[s] = 1;
      while (!stack.empty()) {
        auto& [r, i] = stack.back();
        if (i == first[r].size()) {
          state[r] = 2;
          stack.pop_back();
          continue;
        }
        const int32_t next = first[r][i++];
        if (state[next] == 1) {
          // Report a rule the grammar's author named, not a generated one, on the cycle.
          int32_t named = next;
          bool on_cycle = false;
          for (const auto& entry : stack) {
            on_cycle = on_cycle || entry.first == next;
            if (on_cycle && rules_[named].generated) named = entry.first;
          }
          const RuleDraft& d = rules_[named];
          Error(d.defined_at, "rule '" + d.name + "' is left-recursive (it can reach itself before any character)");
        }
        if (state[next] == 0) {
          state[next] = 1;
          stack.push_back({next, 0});
        }
      }
    }
  }

  Grammar Layout(int32_t root) {
    Grammar g;
    g.root = root;
    g.char_sets = std::move(chars_);
    for (const RuleDraft& r : rules_) {
      g.rule_names.push_back(r.name);
      std::vector<int32_t> starts;
      for (const Sequence& alt : r.alternatives) {
        starts.push_back(static_cast<int32_t>(g.elements.size()));
        g.elements.insert(g.elements.end(), alt.begin(), alt.end());
        g.elements.push_back({Element::kEnd, 0});
      }
      g.alternatives.push_back(std::move(starts));
    }
    return g;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<RuleDraft> rules_;
  std::map<std::string, int32_t> ids_;
  std::vector<CharSet> chars_;
  int generated_ = 0;
};

}  // namespace

Grammar ParseGbnf(std::string_view text, std::string_view root) { return Parser(text).Parse(root); }

}  // namespace gemmakit::grammar
