// Hand-written equivalent of the official Gemma 3 chat template (see include/gemmakit/chat.h);
// tests/tokenizer/render_chat_cases.py renders the same conversations with jinja2 from the real
// template, and gemma3_chat_parity compares the bytes.
#include "gemmakit/chat.h"
#include "gemmakit/status.h"

namespace gemmakit {
namespace {

// Python's str.isspace() code points: what jinja's `trim` filter (str.strip()) removes.
bool IsPythonSpace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Length of the valid UTF-8 character at s[i] and its code point; 0 when the bytes are not one.
size_t DecodeAt(const std::string& s, size_t i, uint32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  uint32_t v = n == 1 ? c : c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000)) return 0;  // overlong
  *cp = v;
  return n;
}

// Start of the last character of s[0, end): skips back over continuation bytes.
size_t LastCharStart(const std::string& s, size_t end) {
  size_t i = end - 1;
  while (i > 0 && end - i < 4 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

// jinja's `trim`: Python's str.strip(). Bytes that are not valid UTF-8 count as text (Python
// could not hold them at all).
std::string Trim(const std::string& s) {
  size_t b = 0, e = s.size();
  uint32_t cp;
  for (size_t n; b < e && (n = DecodeAt(s, b, &cp)) > 0 && IsPythonSpace(cp);) b += n;
  while (e > b) {
    const size_t start = LastCharStart(s, e);
    if (start < b || DecodeAt(s, start, &cp) != e - start || !IsPythonSpace(cp)) break;
    e = start;
  }
  return s.substr(b, e - b);
}

std::string TurnRole(const ChatMessage& m) {
  if (m.role == "user" || m.role == "model") return m.role;
  if (m.role == "assistant") return "model";
  if (m.role == "system") Fail(Status::kInvalidArgument, "chat: a system message may only come first");
  Fail(Status::kInvalidArgument, "chat: unknown role '" + m.role + "' (use system, user, assistant or model)");
}

std::string RenderContent(const ChatMessage& m) {
  if (m.parts.empty()) return Trim(m.content);
  std::string out;
  for (const ChatPart& p : m.parts) {
    switch (p.type) {
      case ChatPart::Type::kImage: out += "<start_of_image>"; break;
      case ChatPart::Type::kAudio: out += "<start_of_audio>"; break;
      default: out += Trim(p.text);
    }
  }
  return out;
}

}  // namespace

std::string PythonStrip(const std::string& s) { return Trim(s); }

std::string FormatGemmaChat(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  if (messages.empty()) Fail(Status::kInvalidArgument, "chat: the conversation is empty");
  std::string out = "<bos>";
  size_t first = 0;
  std::string first_user_prefix;
  if (messages[0].role == "system") {
    const ChatMessage& sys = messages[0];
    if (!sys.parts.empty() && sys.parts[0].type != ChatPart::Type::kText) {
      Fail(Status::kInvalidArgument, "chat: a system message given as parts must start with text");
    }
    first_user_prefix = (sys.parts.empty() ? sys.content : sys.parts[0].text) + "\n\n";
    first = 1;
  }
  for (size_t i = first; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    const std::string role = TurnRole(m);
    if ((role == "user") != ((i - first) % 2 == 0)) {
      Fail(Status::kInvalidArgument, "chat: conversation roles must alternate user/assistant/user/assistant/...");
    }
    out += "<start_of_turn>" + role + "\n";
    if (i == first) out += first_user_prefix;
    out += RenderContent(m);
    out += "<end_of_turn>\n";
  }
  if (add_generation_prompt) out += "<start_of_turn>model\n";
  return out;
}

}  // namespace gemmakit
