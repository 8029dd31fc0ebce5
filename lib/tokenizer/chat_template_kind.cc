#include "tokenizer/chat_template_kind.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "tokenizer/gemma_chat_templates.h"

namespace gemmakit {
namespace {

bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// A Jinja string literal starting at s[i] (a quote); appends its value to *out and returns the
// index after it.
size_t ReadString(std::string_view s, size_t i, std::string* out) {
  const char quote = s[i++];
  while (i < s.size() && s[i] != quote) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char e = s[++i];
      switch (e) {
        case 'n': out->push_back('\n'); break;
        case 't': out->push_back('\t'); break;
        case 'r': out->push_back('\r'); break;
        case '\\': case '\'': case '"': out->push_back(e); break;
        default: out->push_back('\\'); out->push_back(e);
      }
    } else {
      out->push_back(s[i]);
    }
    ++i;
  }
  return i + 1;
}

// The body of a tag as tokens: "s" + string value, "w" + word, or one punctuation character.
void Tokenize(std::string_view body, std::vector<std::string>* out) {
  for (size_t i = 0; i < body.size();) {
    const char c = body[i];
    if (IsWs(c)) {
      ++i;
    } else if (c == '\'' || c == '"') {
      std::string v = "s";
      i = ReadString(body, i, &v);
      out->push_back(std::move(v));
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < body.size() && (std::isalnum(static_cast<unsigned char>(body[j])) || body[j] == '_')) ++j;
      out->push_back("w" + std::string(body.substr(i, j - i)));
      i = j;
    } else {
      out->push_back(std::string(1, c));
      ++i;
    }
  }
}

// End of the tag whose body starts at i: the closing delimiter, skipping quoted strings.
size_t FindClose(std::string_view s, size_t i, char kind) {
  const char close[3] = {kind == '{' ? '}' : kind, '}', 0};
  while (i + 1 < s.size()) {
    if (kind != '#' && (s[i] == '\'' || s[i] == '"')) {
      std::string ignored;
      i = ReadString(s, i, &ignored);
      continue;
    }
    if (s[i] == close[0] && s[i + 1] == close[1]) return i;
    ++i;
  }
  return std::string_view::npos;
}

void RStripAll(std::string* t) {
  while (!t->empty() && IsWs(t->back())) t->pop_back();
}

// The template as a sequence of tokens that decide its output.
std::vector<std::string> Canonical(std::string_view s) {
  std::vector<std::string> out;
  std::string text;
  bool strip_next = false;    // the previous tag ended with "-"
  bool after_block = false;   // the previous tag was {% %} or {# #}: trim_blocks drops one newline
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t open = s.find('{', pos);
    while (open != std::string_view::npos && open + 1 < s.size() && s[open + 1] != '{' && s[open + 1] != '%' &&
           s[open + 1] != '#') {
      open = s.find('{', open + 1);
    }
    if (open != std::string_view::npos && open + 1 >= s.size()) open = std::string_view::npos;
    text.assign(s.substr(pos, open == std::string_view::npos ? std::string_view::npos : open - pos));
    if (strip_next) {
      text.erase(0, std::min(text.size(), text.find_first_not_of(" \t\n\r\f\v")));
    } else if (after_block) {
      if (text.compare(0, 2, "\r\n") == 0) text.erase(0, 2);
      else if (!text.empty() && text[0] == '\n') text.erase(0, 1);
    }
    if (open == std::string_view::npos) {
      if (!text.empty()) out.push_back("t" + text);
      break;
    }
    const char kind = s[open + 1] == '{' ? '{' : s[open + 1];  // '{' expression, '%' block, '#' comment
    size_t body = open + 2;
    const bool strip_before = body < s.size() && s[body] == '-';
    const bool keep_indent = body < s.size() && s[body] == '+';
    if (strip_before || keep_indent) ++body;
    if (strip_before) {
      RStripAll(&text);
    } else if (kind != '{' && !keep_indent) {
      // lstrip_blocks: spaces and tabs between the start of a line (in the source) and a block
      // or comment tag go.
      const std::string_view src = s.substr(pos, open - pos);
      const size_t line = src.find_last_of('\n');
      const size_t from = line == std::string_view::npos ? 0 : line + 1;
      const bool at_line_start = line != std::string_view::npos || pos == 0;
      if (at_line_start && src.find_first_not_of(" \t", from) == std::string_view::npos) {
        text.erase(text.size() - std::min(text.size(), src.size() - from));
      }
    }
    if (!text.empty()) out.push_back("t" + text);
    size_t close = FindClose(s, body, kind);
    if (close == std::string_view::npos) {  // unterminated tag: keep the rest as it is
      out.push_back("?" + std::string(s.substr(open)));
      break;
    }
    strip_next = close > body && s[close - 1] == '-';
    const size_t body_end = strip_next ? close - 1 : close;
    if (kind != '#') {
      out.push_back(std::string(1, kind));
      Tokenize(s.substr(body, body_end - body), &out);
      out.push_back(std::string(1, kind) + "end");
    }
    after_block = kind != '{';
    pos = close + 2;
  }
  return out;
}

}  // namespace

const char* ChatTemplateKindName(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::kNone: return "none";
    case ChatTemplateKind::kGemma3: return "gemma3";
    case ChatTemplateKind::kGemma: return "gemma";
    case ChatTemplateKind::kUnrecognized: return "unrecognized";
  }
  return "unrecognized";
}

ChatTemplateKind ClassifyChatTemplate(std::string_view jinja) {
  static const std::vector<std::string> gemma3 = Canonical(kGemma3ChatTemplate);
  static const std::vector<std::string> gemma2 = Canonical(kGemma2ChatTemplate);
  const std::vector<std::string> c = Canonical(jinja);
  if (c == gemma3) return ChatTemplateKind::kGemma3;
  if (c == gemma2) return ChatTemplateKind::kGemma;
  return ChatTemplateKind::kUnrecognized;
}

}  // namespace gemmakit
