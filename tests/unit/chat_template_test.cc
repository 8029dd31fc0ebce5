#include <gtest/gtest.h>

#include "gemmakit/chat.h"
#include "gemmakit/status.h"

namespace gemmakit {
namespace {

TEST(ChatTemplate, SingleUserTurnWithGenerationPrompt) {
  EXPECT_EQ(FormatGemmaChat({{"user", "Hello"}}, true),
            "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n");
  EXPECT_EQ(FormatGemmaChat({{"user", "Hello"}}, false), "<bos><start_of_turn>user\nHello<end_of_turn>\n");
}

TEST(ChatTemplate, SystemIsFoldedIntoFirstUserTurnAndContentTrimmed) {
  EXPECT_EQ(FormatGemmaChat({{"system", "Be brief."}, {"user", "  Hi there \n"}, {"assistant", "\nHello!  "},
                             {"user", "Bye"}},
                            true),
            "<bos><start_of_turn>user\nBe brief.\n\nHi there<end_of_turn>\n"
            "<start_of_turn>model\nHello!<end_of_turn>\n"
            "<start_of_turn>user\nBye<end_of_turn>\n"
            "<start_of_turn>model\n");
}

TEST(ChatTemplate, ModelRoleIsAnAliasOfAssistant) {
  EXPECT_EQ(FormatGemmaChat({{"user", "a"}, {"model", "b"}}, false), FormatGemmaChat({{"user", "a"}, {"assistant", "b"}}, false));
}

TEST(ChatTemplate, RejectsBadConversations) {
  const std::vector<std::vector<ChatMessage>> bad = {
      {{"assistant", "first"}},
      {{"user", "a"}, {"user", "b"}},
      {{"user", "a"}, {"system", "late"}},
      {{"user", "a"}, {"tool", "x"}},
      {{"system", "s"}, {"assistant", "x"}},
  };
  for (const auto& conv : bad) {
    try {
      FormatGemmaChat(conv, true);
      FAIL() << "accepted a bad conversation";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kInvalidArgument);
      EXPECT_NE(std::string(e.what()), "");
    }
  }
}

}  // namespace
}  // namespace gemmakit

namespace gemmakit {
namespace {

std::string Render(const std::vector<ChatMessage>& m, bool gen = false) { return FormatGemmaChat(m, gen); }

// jinja's trim is Python's str.strip(): Unicode whitespace as Python defines it.
TEST(ChatTemplate, TrimsWhatPythonStripTrims) {
  const std::string spaces = "\t\n\v\f\r\x1c\x1d\x1e\x1f \xC2\x85\xC2\xA0\xE1\x9A\x80\xE2\x80\x80\xE2\x80\x8A"
                             "\xE2\x80\xA8\xE2\x80\xA9\xE2\x80\xAF\xE2\x81\x9F\xE3\x80\x80";
  EXPECT_EQ(Render({{"user", spaces + "x y" + spaces}}), "<bos><start_of_turn>user\nx y<end_of_turn>\n");
  // Not whitespace to Python: zero-width space, BOM, word joiner, Mongolian vowel separator.
  for (const std::string kept : {"\xE2\x80\x8B", "\xEF\xBB\xBF", "\xE2\x81\xA0", "\xE1\xA0\x8E"}) {
    EXPECT_EQ(Render({{"user", kept + "x" + kept}}), "<bos><start_of_turn>user\n" + kept + "x" + kept + "<end_of_turn>\n");
  }
  // Invalid UTF-8 is text, not whitespace; an all-space message renders empty.
  EXPECT_EQ(Render({{"user", " \xFF "}}), "<bos><start_of_turn>user\n\xFF<end_of_turn>\n");
  EXPECT_EQ(Render({{"user", spaces}}), "<bos><start_of_turn>user\n<end_of_turn>\n");
}

TEST(ChatTemplate, ContentAsPartsWithImages) {
  const std::vector<ChatMessage> conv = {
      {"system", std::vector<ChatPart>{ChatPart::Text(" Sys "), ChatPart::Text("ignored")}},
      {"user", std::vector<ChatPart>{ChatPart::Image(), ChatPart::Text("  What is this? "), ChatPart::Image()}},
      {"assistant", std::vector<ChatPart>{ChatPart::Text(" A cat. ")}},
  };
  EXPECT_EQ(Render(conv, true),
            "<bos><start_of_turn>user\n Sys \n\n<start_of_image>What is this?<start_of_image><end_of_turn>\n"
            "<start_of_turn>model\nA cat.<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatTemplate, EdgeCasesTheTemplateAllows) {
  // A system message alone renders no turn; its text is not trimmed.
  EXPECT_EQ(Render({{"system", "s"}}, true), "<bos><start_of_turn>model\n");
  EXPECT_EQ(Render({{"system", "  s  "}, {"user", "u"}}), "<bos><start_of_turn>user\n  s  \n\nu<end_of_turn>\n");
  EXPECT_EQ(Render({{"user", ""}}), "<bos><start_of_turn>user\n<end_of_turn>\n");
  // Special tokens in content are kept as text; the tokenizer decides what they become.
  EXPECT_EQ(Render({{"user", "<start_of_turn>x"}}), "<bos><start_of_turn>user\n<start_of_turn>x<end_of_turn>\n");
}

TEST(ChatTemplate, ErrorsWhereTheTemplateRaises) {
  const std::vector<std::vector<ChatMessage>> bad = {
      {},
      {{"system", std::vector<ChatPart>{ChatPart::Image()}}, {"user", "x"}},
      {{"model", "first"}},
      {{"user", "a"}, {"assistant", "b"}, {"assistant", "c"}},
  };
  for (const auto& conv : bad) {
    try {
      Render(conv);
      ADD_FAILURE() << "accepted a bad conversation of " << conv.size();
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace gemmakit
