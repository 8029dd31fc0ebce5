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
