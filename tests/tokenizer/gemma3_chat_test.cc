// FormatGemmaChat against Python's jinja2 running the official templates: gemma3_chat_render
// (render_chat_cases.py, a ctest fixture) writes chat_expected.json into the data directory.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gemmakit/chat.h"
#include "gemmakit/status.h"
#include "tokenizer/chat_template_kind.h"

namespace gemmakit {
namespace {

using nlohmann::json;

json Expected() {
  const char* dir = std::getenv("GEMMAKIT_GEMMA3_TOKENIZER_DIR");
  if (!dir) throw std::runtime_error("GEMMAKIT_GEMMA3_TOKENIZER_DIR is not set");
  std::ifstream f(std::string(dir) + "/chat_expected.json", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return json::parse(ss.str());
}

// The template's message dicts as ChatMessages. Part types other than text and image, which the
// template skips, have no ChatPart: they are left out here.
std::vector<ChatMessage> Messages(const json& messages, bool* has_parts) {
  std::vector<ChatMessage> out;
  for (const json& m : messages) {
    if (m["content"].is_string()) {
      out.emplace_back(m["role"].get<std::string>(), m["content"].get<std::string>());
      continue;
    }
    *has_parts = true;
    std::vector<ChatPart> parts;
    for (const json& p : m["content"]) {
      if (p["type"] == "text") parts.push_back(ChatPart::Text(p["text"]));
      else if (p["type"] == "image") parts.push_back(ChatPart::Image());
    }
    out.emplace_back(m["role"].get<std::string>(), std::move(parts));
  }
  return out;
}

// What gemmakit renders, or "error: <status>".
std::string Render(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  try {
    return FormatGemmaChat(messages, add_generation_prompt);
  } catch (const Error& e) {
    return std::string("error: ") + StatusName(e.status());
  }
}

const std::string kRejected = std::string("error: ") + StatusName(Status::kInvalidArgument);

TEST(Gemma3ChatTemplate, TheRealTemplateIsRecognised) {
  EXPECT_EQ(ClassifyChatTemplate(Expected()["gemma3_template"].get<std::string>()), ChatTemplateKind::kGemma3);
}

// Byte for byte what jinja renders; kInvalidArgument where jinja raises.
TEST(Gemma3ChatTemplate, RendersLikeJinja) {
  const json expected = Expected();
  ASSERT_GE(expected["cases"].size(), 20u);
  for (const json& c : expected["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    bool has_parts = false;
    const std::string got = Render(Messages(c["messages"], &has_parts), c["add_generation_prompt"]);
    const json& jinja = c["gemma3"];
    if (c["name"].get<std::string>().rfind("divergence_", 0) == 0) {
      // Documented (gemmakit/chat.h): roles the template would render verbatim are refused.
      EXPECT_TRUE(jinja.contains("text"));
      EXPECT_EQ(got, kRejected);
    } else if (jinja.contains("text")) {
      EXPECT_EQ(got, jinja["text"].get<std::string>());
    } else {
      EXPECT_EQ(got, kRejected) << jinja["error"];
    }
  }
}

// Gemma 1 / 2: the same bytes for every conversation their template accepts; a system message,
// which their template refuses, is folded in as Gemma 3 does (gemmakit/chat.h).
TEST(Gemma3ChatTemplate, Gemma2TemplateAgreesWhereItAccepts) {
  int compared = 0;
  const json expected = Expected();
  for (const json& c : expected["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    bool has_parts = false;
    const std::string got = Render(Messages(c["messages"], &has_parts), c["add_generation_prompt"]);
    const json& jinja = c["gemma2"];
    if (has_parts || c["name"].get<std::string>().rfind("divergence_", 0) == 0) continue;  // Gemma 2 has no parts
    if (jinja.contains("text")) {
      EXPECT_EQ(got, jinja["text"].get<std::string>());
      ++compared;
    } else if (jinja["error"].get<std::string>().find("System role not supported") != std::string::npos) {
      EXPECT_EQ(got, c["gemma3"].contains("text") ? c["gemma3"]["text"].get<std::string>() : kRejected);
    } else {
      EXPECT_EQ(got, kRejected) << jinja["error"];
    }
  }
  EXPECT_GE(compared, 8);
}

}  // namespace
}  // namespace gemmakit
