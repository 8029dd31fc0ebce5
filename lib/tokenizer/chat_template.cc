#include "gemmakit/chat.h"
#include "gemmakit/status.h"

namespace gemmakit {
namespace {

// Jinja's `trim` filter (Python's str.strip()) for the ASCII whitespace it removes.
std::string Trim(const std::string& s) {
  const char* ws = " \t\n\r\f\v";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

}  // namespace

std::string FormatGemmaChat(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out = "<bos>";
  size_t first = 0;
  std::string first_user_prefix;
  if (!messages.empty() && messages[0].role == "system") {
    first_user_prefix = messages[0].content + "\n\n";
    first = 1;
  }
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    const bool expect_user = (i - first) % 2 == 0;
    std::string role;
    if (m.role == "user") {
      role = "user";
    } else if (m.role == "assistant" || m.role == "model") {
      role = "model";
    } else if (m.role == "system") {
      Fail(Status::kInvalidArgument, "chat: a system message may only come first");
    } else {
      Fail(Status::kInvalidArgument, "chat: unknown role '" + m.role + "' (use system, user, assistant or model)");
    }
    if ((role == "user") != expect_user) {
      Fail(Status::kInvalidArgument, "chat: conversation roles must alternate user/assistant/user/assistant/...");
    }
    out += "<start_of_turn>" + role + "\n";
    if (i == first) out += first_user_prefix;
    out += Trim(m.content);
    out += "<end_of_turn>\n";
  }
  if (add_generation_prompt) out += "<start_of_turn>model\n";
  return out;
}

}  // namespace gemmakit
