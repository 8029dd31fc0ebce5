// The GBNF parser (valid grammars, errors with their line and column), the matcher over UTF-8
// bytes, and the token mask over a small vocabulary; llama.cpp-style grammars (JSON, arithmetic,
// lists) written here.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "gemmakit/status.h"
#include "runtime/grammar/grammar.h"
#include "runtime/grammar/grammar_constraint.h"
#include "runtime/grammar/grammar_matcher.h"
#include "runtime/grammar/json_schema.h"
#include "runtime/grammar/token_trie.h"

namespace gemmakit::grammar {
namespace {

// Whether the whole text is a sentence of the grammar.
bool Accepts(const std::string& gbnf, const std::string& text, const std::string& root = "root") {
  GrammarMatcher m(ParseGbnf(gbnf, root));
  const int32_t s = m.Advance(m.start(), text);
  return s != GrammarMatcher::kDead && m.CanEnd(s);
}

// Whether the text can be continued into a sentence.
bool IsPrefix(const std::string& gbnf, const std::string& text) {
  GrammarMatcher m(ParseGbnf(gbnf));
  return m.Advance(m.start(), text) != GrammarMatcher::kDead;
}

std::string ParseError(const std::string& gbnf) {
  try {
    ParseGbnf(gbnf);
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    return e.what();
  }
  return "";
}

// llama.cpp's grammars/json.gbnf, arithmetic.gbnf and list.gbnf, written out anew.
const char* const kJsonGbnf = R"G(# any JSON value
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws

string ::=
  "\"" (
    [^"\\\x7F\x00-\x1F] |
    "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
  )* "\"" ws

number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws

# Optional space: by convention, applied in this grammar after literal chars when allowed
ws ::= | " " | "\n" [ \t]{0,20}
)G";

const char* const kArithmeticGbnf = R"G(root  ::= (expr "=" ws term "\n")+
expr  ::= term ([-+*/] term)*
term  ::= ident | num | "(" ws expr ")" ws
ident ::= [a-z] [a-z0-9_]* ws
num   ::= [0-9]+ ws
ws    ::= [ \t\n]*
)G";

const char* const kListGbnf = R"G(root ::= item+
# Excludes various line break characters
item ::= "- " [^\r\n\x0b\x0c\x85\u2028\u2029]+ "\n"
)G";

TEST(GbnfParser, ParsesLlamaCppStyleGrammars) {
  for (const char* g : {kJsonGbnf, kArithmeticGbnf, kListGbnf}) {
    const Grammar grammar = ParseGbnf(g);
    EXPECT_GE(grammar.root, 0);
    EXPECT_FALSE(grammar.elements.empty());
  }
}

TEST(GbnfParser, JsonGrammarAcceptsJsonAndRefusesTheRest) {
  EXPECT_TRUE(Accepts(kJsonGbnf, R"({"a": [1, 2.5e3, -0.5, "x\n\u00e9", true, null, {}], "b": {"c": []}})"));
  EXPECT_TRUE(Accepts(kJsonGbnf, "{}"));
  EXPECT_TRUE(Accepts(kJsonGbnf, "{\n  \"k\": \"v\"}"));
  EXPECT_FALSE(Accepts(kJsonGbnf, R"({"a": 1,})"));
  EXPECT_FALSE(Accepts(kJsonGbnf, R"({"a" 1})"));
  EXPECT_FALSE(Accepts(kJsonGbnf, R"([1])"));  // root is an object
  EXPECT_FALSE(Accepts(kJsonGbnf, R"({"a": 01})"));
  EXPECT_FALSE(Accepts(kJsonGbnf, R"({"a": "b)"));  // unfinished: a prefix, not a sentence
  EXPECT_TRUE(IsPrefix(kJsonGbnf, R"({"a": "b)"));
  EXPECT_FALSE(IsPrefix(kJsonGbnf, "{\"a\": \"\x01"));  // control characters must be escaped
}

TEST(GbnfParser, ArithmeticAndListGrammars) {
  EXPECT_TRUE(Accepts(kArithmeticGbnf, "2*(y+3) = x\n"));
  EXPECT_TRUE(Accepts(kArithmeticGbnf, "a=b\n(c1)/4 = (d)\n"));
  EXPECT_FALSE(Accepts(kArithmeticGbnf, "x = 2*3\n"));  // the right side is one term
  EXPECT_FALSE(Accepts(kArithmeticGbnf, "x = 2**3\n"));
  EXPECT_FALSE(Accepts(kArithmeticGbnf, "X = 1\n"));
  EXPECT_TRUE(Accepts(kListGbnf, "- milk\n- eggs\n"));
  EXPECT_TRUE(Accepts(kListGbnf, "- caf\xC3\xA9\n"));
  EXPECT_FALSE(Accepts(kListGbnf, "- \n"));
  EXPECT_FALSE(Accepts(kListGbnf, "milk\n"));
  EXPECT_FALSE(IsPrefix(kListGbnf, "- a\xE2\x80\xA8"));  // U+2028 is excluded
}

TEST(GbnfParser, RepetitionBounds) {
  const std::string g = "root ::= \"a\"{2,4} \"b\"{3} \"c\"{1,} \"d\"?";
  EXPECT_FALSE(Accepts(g, "abbbc"));
  EXPECT_TRUE(Accepts(g, "aabbbc"));
  EXPECT_TRUE(Accepts(g, "aaaabbbcccd"));
  EXPECT_FALSE(Accepts(g, "aaaaabbbc"));
  EXPECT_FALSE(Accepts(g, "aabbc"));
  EXPECT_FALSE(Accepts(g, "aabbb"));
  EXPECT_TRUE(Accepts("root ::= (\"ab\" | \"c\"){0,2}", ""));
  EXPECT_TRUE(Accepts("root ::= (\"ab\" | \"c\"){0,2}", "abc"));
  EXPECT_FALSE(Accepts("root ::= (\"ab\" | \"c\"){0,2}", "abcc"));
  EXPECT_TRUE(Accepts("root ::= \"ab\"*", "ababab"));  // a literal repeats whole
  EXPECT_FALSE(Accepts("root ::= \"ab\"*", "abb"));
}

TEST(GbnfParser, CharacterClassesEscapesAndAny) {
  EXPECT_TRUE(Accepts("root ::= [a-cx] [^a-z] .", "x9\xF0\x9F\x98\x80"));
  EXPECT_FALSE(Accepts("root ::= [a-cx] [^a-z] .", "d9z"));
  EXPECT_FALSE(Accepts("root ::= [a-cx] [^a-z] .", "aqz"));
  EXPECT_TRUE(Accepts(R"(root ::= "\x41\u00e9\U0001F600\t\"\\" [\]\-])", "A\xC3\xA9\xF0\x9F\x98\x80\t\"\\]"));
  EXPECT_TRUE(Accepts(R"(root ::= [\u0400-\u04FF]+)", "\xD0\x9F\xD1\x80\xD0\xB8"));  // Cyrillic
  EXPECT_FALSE(Accepts(R"(root ::= [\u0400-\u04FF]+)", "\xC3\xA9"));
  // A multi-byte character is followed byte by byte, and a wrong byte inside it is refused.
  EXPECT_TRUE(IsPrefix("root ::= \"\\u00e9\"", "\xC3"));
  EXPECT_FALSE(IsPrefix("root ::= \"\\u00e9\"", "\xC4"));
  EXPECT_FALSE(IsPrefix("root ::= .", "\x80"));  // a stray continuation byte is never text
}

TEST(GbnfParser, CommentsNewlinesAndRuleNames) {
  const std::string g =
      "# header\nroot ::= greeting-1 \" \" name_x  # trailing\n\n"
      "greeting-1 ::= \"hi\" |\n  \"hello\"\nname_x ::= (\n  \"bob\"\n  | \"al\"\n)\n";
  EXPECT_TRUE(Accepts(g, "hello al"));
  EXPECT_TRUE(Accepts(g, "hi bob"));
  EXPECT_TRUE(Accepts(g, "bob", "name_x"));
}

TEST(GbnfParser, ErrorsNameLineAndColumn) {
  EXPECT_NE(ParseError("root ::= foo").find("line 1, column 10: rule 'foo' is used but never defined"),
            std::string::npos)
      << ParseError("root ::= foo");
  EXPECT_NE(ParseError("root ::= \"a\"\nx ::= \"unterminated\n").find("line 2, column 7: unterminated string"),
            std::string::npos)
      << ParseError("root ::= \"a\"\nx ::= \"unterminated\n");
  EXPECT_NE(ParseError("root ::= [a-\n").find("line 1, column 10: unterminated character class"), std::string::npos)
      << ParseError("root ::= [a-\n");
  EXPECT_NE(ParseError("root ::= (\"a\" | \"b\"").find("line 1, column 10: unclosed '('"), std::string::npos)
      << ParseError("root ::= (\"a\" | \"b\"");
  EXPECT_NE(ParseError("root = \"a\"").find("line 1, column 6: expected '::='"), std::string::npos)
      << ParseError("root = \"a\"");
  EXPECT_NE(ParseError("root ::= * \"a\"").find("line 1, column 10: '*' follows nothing"), std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\"{3,2}").find("line 1, column 13: repetition maximum is below"),
            std::string::npos)
      << ParseError("root ::= \"a\"{3,2}");
  EXPECT_NE(ParseError("root ::= \"\\q\"").find("line 1, column 11: unknown escape"), std::string::npos)
      << ParseError("root ::= \"\\q\"");
  EXPECT_NE(ParseError("root ::= [z-a]").find("line 1, column 13: range end is below its start"), std::string::npos)
      << ParseError("root ::= [z-a]");
  EXPECT_NE(ParseError("start ::= \"a\"").find("no rule named 'root'"), std::string::npos);
  EXPECT_NE(ParseError("").find("no rules"), std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\"\nroot ::= \"b\"").find("line 2, column 1: rule 'root' is defined twice"),
            std::string::npos);
  EXPECT_NE(ParseError("root ::= \"a\" ]").find("line 1, column 14: unexpected ']'"), std::string::npos)
      << ParseError("root ::= \"a\" ]");
}

TEST(GbnfParser, RefusesLeftRecursion) {
  EXPECT_NE(ParseError("root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\"").find("line 2, column 1: rule 'expr' is left-recursive"),
            std::string::npos)
      << ParseError("root ::= expr\nexpr ::= expr \"+\" \"1\" | \"1\"");
  // A repetition of something that may be empty loops without reading a character.
  EXPECT_NE(ParseError("root ::= (\"a\"?)*").find("left-recursive"), std::string::npos);
  // Right recursion is fine.
  EXPECT_TRUE(Accepts("root ::= \"1\" (\"+\" root)?", "1+1+1"));
}

TEST(GrammarMatcher, StatesRepeatInsideLoops) {
  GrammarMatcher m(ParseGbnf(kJsonGbnf));
  const int32_t a = m.Advance(m.start(), "{\"key\": \"abc");
  const int32_t b = m.Advance(a, "defghij");
  ASSERT_NE(a, GrammarMatcher::kDead);
  EXPECT_EQ(a, b);  // characters of a string lead back to the same state: masks can be reused
  EXPECT_FALSE(m.CanEnd(b));
  const int32_t done = m.Advance(b, "\"}");
  EXPECT_TRUE(m.CanEnd(done));
  EXPECT_TRUE(m.CanContinue(done));  // trailing whitespace may follow
  GrammarMatcher exact(ParseGbnf("root ::= \"ab\""));
  const int32_t end = exact.Advance(exact.start(), "ab");
  EXPECT_TRUE(exact.CanEnd(end));
  EXPECT_FALSE(exact.CanContinue(end));
}

TEST(GrammarConstraint, MasksTokensThatCannotContinue) {
  // A vocabulary of 8 tokens: 0 and 1 are end tokens (no bytes), one is a lone byte of 'é'.
  auto trie = TokenTrie::FromBytes({"", "", "{", "{\"", "\"a\"", "}", "\xC3", "\xA9"});
  GrammarConstraint c(ParseGbnf("root ::= \"{\" (\"\\\"a\\\"\" | \"\\u00e9\")? \"}\""), trie, {0, 1});
  const auto allowed = [&] {
    std::vector<float> l(10, 1.f);  // the model's vocabulary may be wider than the tokenizer's
    c.Mask(l.data(), l.size());
    std::string s;
    for (float x : l) s += std::isinf(x) ? '.' : 'x';
    return s;
  };
  EXPECT_EQ(allowed(), "..xx......");  // '{"' may still become '{"a"}'
  c.Accept(2);
  EXPECT_EQ(allowed(), "....xxx...");
  c.Accept(6);
  EXPECT_EQ(allowed(), ".......x..");
  c.Accept(7);
  EXPECT_EQ(allowed(), ".....x....");
  c.Accept(5);
  EXPECT_EQ(allowed(), "xx........");  // complete: only the end tokens
  EXPECT_THROW(c.Accept(5), Error);
  c.Accept(1);
  EXPECT_TRUE(c.ended());
  c.Reset();
  EXPECT_EQ(allowed(), "..xx......");
  EXPECT_THROW(c.Accept(5), Error);
}

TEST(GrammarConstraint, TrieMatchesABruteForceCheckOfEveryToken) {
  // Tokens that share prefixes, repeat each other's bytes, and split characters.
  std::vector<std::string> vocab = {"", "a", "ab", "abc", "ab", "b", "\"", "\",", "\"}", "{\"", "x\"", " ", "  ",
                                    "\xC3", "\xA9", "\xC3\xA9", "1", "12", "1.", ".5", "e", "true", "tr", "null",
                                    ":", "\":", "\": ", "{", "}", "[", "]", ",", ", \""};
  auto trie = TokenTrie::FromBytes(vocab);
  const Grammar g = ParseGbnf(kJsonGbnf);
  GrammarConstraint c(g, trie, {0});
  GrammarMatcher reference(g);
  int32_t state = reference.start();
  // Walk a fixed path of tokens; at each step the mask equals a token-by-token check.
  // {"aé":1,"e": true}, the é in two tokens
  for (int32_t next : {27, 6, 1, 13, 14, 25, 16, 31, 6, 20, 25, 11, 21, 28}) {
    const std::vector<uint64_t>& bits = c.AllowedTokens();
    for (size_t t = 1; t < vocab.size(); ++t) {
      const bool expect = reference.Advance(state, vocab[t]) != GrammarMatcher::kDead;
      EXPECT_EQ(((bits[t / 64] >> (t % 64)) & 1) != 0, expect) << "token " << t << " '" << vocab[t] << "'";
    }
    c.Accept(next);
    state = reference.Advance(state, vocab[static_cast<size_t>(next)]);
    ASSERT_NE(state, GrammarMatcher::kDead);
  }
  EXPECT_TRUE(c.CanEnd());
}

TEST(JsonMode, GrammarAcceptsObjectsOnly) {
  const std::string g = JsonObjectGbnf();
  EXPECT_TRUE(Accepts(g, R"({"a": {"b": [1, "two", null, false, -3.5e+2]}})"));
  EXPECT_TRUE(Accepts(g, "{}"));
  EXPECT_FALSE(Accepts(g, "[]"));
  EXPECT_FALSE(Accepts(g, "\"x\""));
  EXPECT_FALSE(Accepts(g, R"({"a": tru})"));
}

}  // namespace
}  // namespace gemmakit::grammar
