#include <gtest/gtest.h>

#include "tokenizer/added_token_splitter.h"

namespace gemmakit {
namespace {

// "text|<id>|text" for checking splits at a glance.
std::string Show(const AddedTokenSplitter& s, std::string_view text, bool special) {
  std::string out;
  for (const auto& span : s.Split(text, special)) {
    if (!out.empty()) out += "|";
    out += span.id < 0 ? std::string(text.substr(span.begin, span.end - span.begin)) : "<" + std::to_string(span.id) + ">";
  }
  return out;
}

TEST(AddedTokenSplitter, LeftmostThenLongest) {
  AddedTokenSplitter s;
  s.Add("\n", 1, false);
  s.Add("\n\n", 2, false);
  s.Add("<a>", 3, false);
  s.Add("<a><b>", 4, false);
  s.Add("a>", 5, false);
  EXPECT_EQ(Show(s, "x\n\n\ny", false), "x|<2>|<1>|y");
  EXPECT_EQ(Show(s, "<a><b>c", false), "<4>|c");
  EXPECT_EQ(Show(s, "<a><c>", false), "<3>|<c>");  // "a>" starts later than "<a>"
  EXPECT_EQ(Show(s, "xa>", false), "x|<5>");
  EXPECT_EQ(Show(s, "", false), "");
  EXPECT_EQ(Show(s, "<a", false), "<a");
}

TEST(AddedTokenSplitter, SpecialOnlyTokensNeedAsking) {
  AddedTokenSplitter s;
  s.Add("<bos>", 2, true);
  s.Add("<b", 9, false);
  EXPECT_EQ(Show(s, "x<bos>y", true), "x|<2>|y");
  EXPECT_EQ(Show(s, "x<bos>y", false), "x|<9>|os>y");  // as plain text, HuggingFace splits "<b" too
}

TEST(AddedTokenSplitter, FirstIdKeepsASpelling) {
  AddedTokenSplitter s;
  s.Add("<t>", 7, false);
  s.Add("<t>", 8, false);
  EXPECT_EQ(Show(s, "<t>", false), "<7>");
}

}  // namespace
}  // namespace gemmakit
