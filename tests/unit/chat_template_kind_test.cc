#include <gtest/gtest.h>

#include "test_util.h"
#include "tokenizer/chat_template_kind.h"
#include "tokenizer/gemma_chat_templates.h"

namespace gemmakit {
namespace {

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

TEST(ChatTemplateKind, OfficialTemplates) {
  EXPECT_EQ(ClassifyChatTemplate(kGemma3ChatTemplate), ChatTemplateKind::kGemma3);
  EXPECT_EQ(ClassifyChatTemplate(kGemma2ChatTemplate), ChatTemplateKind::kGemma);
  EXPECT_EQ(ClassifyChatTemplate(test::ReadFile(std::string(GEMMAKIT_TEST_DATA) + "/../tokenizer/gemma2_chat_template.jinja")),
            ChatTemplateKind::kGemma);
}

// Copies that render the same: escapes instead of raw newlines (as GGUF files and many copies
// write them), other quotes, other indentation, whitespace inside tags, CRLF line ends.
TEST(ChatTemplateKind, FormattingDoesNotMatter) {
  const std::string g3 = kGemma3ChatTemplate;
  EXPECT_EQ(ClassifyChatTemplate(Replace(Replace(g3, "'\n\n'", "'\\n\\n'"), "'\n'", "'\\n'")), ChatTemplateKind::kGemma3);
  EXPECT_EQ(ClassifyChatTemplate(Replace(g3, "'<start_of_image>'", "\"<start_of_image>\"")), ChatTemplateKind::kGemma3);
  EXPECT_EQ(ClassifyChatTemplate(Replace(g3, "\n    ", "\n\t")), ChatTemplateKind::kGemma3);
  EXPECT_EQ(ClassifyChatTemplate(Replace(g3, "{{ bos_token }}", "{{bos_token}}")), ChatTemplateKind::kGemma3);
  EXPECT_EQ(ClassifyChatTemplate(Replace(g3, "-%}\n", "-%}\r\n")), ChatTemplateKind::kGemma3);
  const std::string g2 = kGemma2ChatTemplate;
  EXPECT_EQ(ClassifyChatTemplate(Replace(g2, "%}{%", "%}\n{%")), ChatTemplateKind::kGemma);  // trim_blocks
  EXPECT_EQ(ClassifyChatTemplate(Replace(g2, "'\\n'", "'\n'")), ChatTemplateKind::kGemma);
}

TEST(ChatTemplateKind, AnythingElseIsUnrecognized) {
  const std::string g3 = kGemma3ChatTemplate;
  const std::string chatml =
      "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
      "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
  for (const std::string& t : {chatml, Replace(g3, "'<end_of_turn>\n'", "'<end_of_turn>'"),
                               Replace(g3, "| trim", ""), Replace(g3, "\n{%- if messages[0]", "\n{% if messages[0]"),
                               Replace(g3, "\"model\"", "\"assistant\""), g3 + "x", g3.substr(0, g3.size() / 2),
                               std::string("{{"), std::string("hello"), std::string(" ")}) {
    EXPECT_EQ(ClassifyChatTemplate(t), ChatTemplateKind::kUnrecognized) << t.substr(0, 80);
  }
}

}  // namespace
}  // namespace gemmakit
