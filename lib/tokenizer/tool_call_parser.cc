// Calls found in model output, per format (see include/gemmakit/tools.h). Each parser reads from a
// position and answers kOk (a call or list of calls, and where it ends), kIncomplete (the text
// ends inside what may still become one: wait for more) or kMalformed (this is text).
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "gemmakit/tools.h"

namespace gemmakit {
namespace {

using Json = nlohmann::ordered_json;

enum class Parse { kOk, kIncomplete, kMalformed };

constexpr std::string_view kEscape = "<escape>";
constexpr std::string_view kCallOpen = "<start_function_call>";
constexpr std::string_view kCallClose = "<end_function_call>";
constexpr std::string_view kCodeOpen = "```tool_code";
constexpr std::string_view kFence = "```";

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A cursor over the output; every read past the end makes the parse kIncomplete.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool at_end() const { return i >= s.size(); }
  char peek() const { return s[i]; }
  void skip_space() {
    while (!at_end() && IsSpace(s[i])) ++i;
  }
  bool starts(std::string_view w) const { return s.substr(i, w.size()) == w; }
  // w may still come (the text ends inside it).
  bool partial(std::string_view w) const { return s.size() - i < w.size() && w.substr(0, s.size() - i) == s.substr(i); }
};

// Reads a name ([A-Za-z_][A-Za-z0-9_.-]*); kIncomplete when the text ends inside it.
Parse ReadName(Cursor& c, std::string* name) {
  if (c.at_end()) return Parse::kIncomplete;
  if (!IsNameStart(c.peek())) return Parse::kMalformed;
  const size_t b = c.i;
  while (!c.at_end() && IsNameChar(c.peek())) ++c.i;
  if (c.at_end()) return Parse::kIncomplete;
  *name = std::string(c.s.substr(b, c.i - b));
  return Parse::kOk;
}

// A number token as JSON (Python and FunctionGemma write numbers as JSON does, bar a leading '+').
Parse ReadNumber(Cursor& c, Json* out) {
  const size_t b = c.i;
  while (!c.at_end() && (std::isdigit(static_cast<unsigned char>(c.peek())) || c.peek() == '-' || c.peek() == '+' ||
                         c.peek() == '.' || c.peek() == 'e' || c.peek() == 'E')) {
    ++c.i;
  }
  if (c.at_end()) return Parse::kIncomplete;
  std::string token(c.s.substr(b, c.i - b));
  if (!token.empty() && token[0] == '+') token.erase(0, 1);
  Json j = Json::parse(token, nullptr, /*allow_exceptions=*/false);
  if (token.empty() || j.is_discarded() || !j.is_number()) return Parse::kMalformed;
  *out = std::move(j);
  return Parse::kOk;
}

// The items of a list or object after its opening bracket, up to `close`, comma-separated:
// read_key(c, &key) reads an object's key and its ':', read_value(c, &value) a value; `spaces`:
// the notation allows whitespace around items.
template <typename ReadKey, typename ReadValue>
Parse ReadItems(Cursor& c, char close, bool object, bool spaces, Json* out, ReadKey read_key, ReadValue read_value) {
  *out = object ? Json::object() : Json::array();
  while (true) {
    if (spaces) c.skip_space();
    if (c.at_end()) return Parse::kIncomplete;
    if (c.peek() == close) {
      ++c.i;
      return Parse::kOk;
    }
    std::string key;
    Parse r = object ? read_key(c, &key) : Parse::kOk;
    if (r != Parse::kOk) return r;
    Json v;
    if ((r = read_value(c, &v)) != Parse::kOk) return r;
    if (object) {
      (*out)[key] = std::move(v);
    } else {
      out->push_back(std::move(v));
    }
    if (spaces) c.skip_space();
    if (c.at_end()) return Parse::kIncomplete;
    if (c.peek() == ',') {
      ++c.i;
    } else if (c.peek() != close) {
      return Parse::kMalformed;
    }
  }
}

// ---- Gemma 3: Python literals and calls ------------------------------------------------------

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A Python string literal in ' or " with its backslash escapes.
Parse ReadPythonString(Cursor& c, std::string* out) {
  const char quote = c.peek();
  ++c.i;
  std::string s;
  while (true) {
    if (c.at_end()) return Parse::kIncomplete;
    const char ch = c.s[c.i++];
    if (ch == quote) break;
    if (ch == '\n') return Parse::kMalformed;
    if (ch != '\\') {
      s += ch;
      continue;
    }
    if (c.at_end()) return Parse::kIncomplete;
    const char e = c.s[c.i++];
    switch (e) {
      case 'n': s += '\n'; break;
      case 't': s += '\t'; break;
      case 'r': s += '\r'; break;
      case '0': s += '\0'; break;
      case 'u': {
        if (c.s.size() - c.i < 4) return Parse::kIncomplete;
        const std::string hex(c.s.substr(c.i, 4));
        if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return Parse::kMalformed;
        AppendUtf8(s, static_cast<uint32_t>(std::stoul(hex, nullptr, 16)));
        c.i += 4;
        break;
      }
      default: s += e;  // \\ \' \" and unknown escapes keep the character, as Python keeps most
    }
  }
  *out = std::move(s);
  return Parse::kOk;
}

Parse ReadPythonValue(Cursor& c, Json* out, int depth);

// A [...] list or {...} dict after its opening bracket; dict keys are any literal, as text.
Parse ReadPythonItems(Cursor& c, char close, bool dict, Json* out, int depth) {
  const auto read_key = [depth](Cursor& k, std::string* key) {
    Json j;
    const Parse r = ReadPythonValue(k, &j, depth + 1);
    if (r != Parse::kOk) return r;
    *key = j.is_string() ? j.get<std::string>() : j.dump();
    k.skip_space();
    if (k.at_end()) return Parse::kIncomplete;
    if (k.peek() != ':') return Parse::kMalformed;
    ++k.i;
    return Parse::kOk;
  };
  const auto read_value = [depth](Cursor& v, Json* j) { return ReadPythonValue(v, j, depth + 1); };
  return ReadItems(c, close, dict, /*spaces=*/true, out, read_key, read_value);
}

Parse ReadPythonValue(Cursor& c, Json* out, int depth) {
  if (depth > 64) return Parse::kMalformed;
  c.skip_space();
  if (c.at_end()) return Parse::kIncomplete;
  const char ch = c.peek();
  if (ch == '"' || ch == '\'') {
    std::string s;
    const Parse r = ReadPythonString(c, &s);
    if (r == Parse::kOk) *out = std::move(s);
    return r;
  }
  if (ch == '[' || ch == '(') {
    ++c.i;
    return ReadPythonItems(c, ch == '[' ? ']' : ')', false, out, depth);
  }
  if (ch == '{') {
    ++c.i;
    return ReadPythonItems(c, '}', true, out, depth);
  }
  if (IsNameStart(ch)) {
    std::string word;
    const Parse r = ReadName(c, &word);
    if (r != Parse::kOk) return r;
    if (word == "True" || word == "true") *out = true;
    else if (word == "False" || word == "false") *out = false;
    else if (word == "None" || word == "null") *out = nullptr;
    else return Parse::kMalformed;
    return Parse::kOk;
  }
  return ReadNumber(c, out);
}

// name(arg=value, ...)
Parse ReadPythonCall(Cursor& c, ToolCall* call) {
  c.skip_space();
  std::string name;
  Parse r = ReadName(c, &name);
  if (r != Parse::kOk) return r;
  if (c.peek() != '(') return Parse::kMalformed;
  ++c.i;
  Json args = Json::object();
  while (true) {
    c.skip_space();
    if (c.at_end()) return Parse::kIncomplete;
    if (c.peek() == ')') {
      ++c.i;
      break;
    }
    std::string key;
    if ((r = ReadName(c, &key)) != Parse::kOk) return r;
    c.skip_space();
    if (c.at_end()) return Parse::kIncomplete;
    if (c.peek() != '=') return Parse::kMalformed;
    ++c.i;
    Json v;
    if ((r = ReadPythonValue(c, &v, 0)) != Parse::kOk) return r;
    args[key] = std::move(v);
    c.skip_space();
    if (c.at_end()) return Parse::kIncomplete;
    if (c.peek() == ',') ++c.i;
    else if (c.peek() != ')') return Parse::kMalformed;
  }
  *call = {name, args.dump()};
  return Parse::kOk;
}

// [call, call, ...]
Parse ReadPythonCallList(Cursor& c, std::vector<ToolCall>* calls) {
  ++c.i;  // '['
  while (true) {
    ToolCall call;
    const Parse r = ReadPythonCall(c, &call);
    if (r != Parse::kOk) return r;
    calls->push_back(std::move(call));
    c.skip_space();
    if (c.at_end()) return Parse::kIncomplete;
    if (c.peek() == ']') {
      ++c.i;
      return Parse::kOk;
    }
    if (c.peek() != ',') return Parse::kMalformed;
    ++c.i;
  }
}

// The body of a ```tool_code block: a call list, Python calls one per line (print(...) around one
// is taken off, as the Gemma cookbook's examples write), or {"name": ..., "parameters": {...}}.
Parse ParseToolCodeBody(std::string_view body, std::vector<ToolCall>* calls) {
  Cursor c{body};
  c.skip_space();
  if (c.at_end()) return Parse::kMalformed;
  if (c.peek() == '{') {
    Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object() || !j.contains("name") || !j["name"].is_string()) return Parse::kMalformed;
    const Json* args = j.contains("parameters") ? &j["parameters"] : j.contains("arguments") ? &j["arguments"] : nullptr;
    if (args && !args->is_object()) return Parse::kMalformed;
    calls->push_back({j["name"].get<std::string>(), args ? args->dump() : "{}"});
    return Parse::kOk;
  }
  if (c.peek() == '[') return ReadPythonCallList(c, calls) == Parse::kOk ? Parse::kOk : Parse::kMalformed;
  while (true) {
    c.skip_space();
    if (c.at_end()) return calls->empty() ? Parse::kMalformed : Parse::kOk;
    const bool printed = c.starts("print(");
    if (printed) c.i += 6;
    ToolCall call;
    if (ReadPythonCall(c, &call) != Parse::kOk) return Parse::kMalformed;
    if (printed) {
      c.skip_space();
      if (c.at_end() || c.peek() != ')') return Parse::kMalformed;
      ++c.i;
    }
    calls->push_back(std::move(call));
  }
}

// ```tool_code ... ``` at the cursor.
Parse ReadToolCodeBlock(Cursor& c, std::vector<ToolCall>* calls) {
  c.i += kCodeOpen.size();
  const size_t close = c.s.find(kFence, c.i);
  if (close == std::string_view::npos) return Parse::kIncomplete;
  std::vector<ToolCall> found;
  if (ParseToolCodeBody(c.s.substr(c.i, close - c.i), &found) != Parse::kOk) return Parse::kMalformed;
  c.i = close + kFence.size();
  for (ToolCall& call : found) calls->push_back(std::move(call));
  return Parse::kOk;
}

// ---- FunctionGemma ----------------------------------------------------------------------------

Parse ReadGemmaValue(Cursor& c, Json* out, int depth);

// An {...} object or [...] array after its opening bracket; keys run to the ':' (bare, or
// between <escape> tokens).
Parse ReadGemmaItems(Cursor& c, char close, bool object, Json* out, int depth) {
  const auto read_key = [](Cursor& k, std::string* key) {
    const size_t colon = k.s.find(':', k.i);
    if (colon == std::string_view::npos) return Parse::kIncomplete;
    *key = std::string(k.s.substr(k.i, colon - k.i));
    if (key->empty() || key->find_first_of("{}[],") != std::string::npos) return Parse::kMalformed;
    if (key->size() > kEscape.size() * 2 && key->compare(0, kEscape.size(), kEscape) == 0 &&
        key->compare(key->size() - kEscape.size(), kEscape.size(), kEscape) == 0) {
      *key = key->substr(kEscape.size(), key->size() - 2 * kEscape.size());
    }
    k.i = colon + 1;
    return Parse::kOk;
  };
  const auto read_value = [depth](Cursor& v, Json* j) { return ReadGemmaValue(v, j, depth + 1); };
  return ReadItems(c, close, object, /*spaces=*/false, out, read_key, read_value);
}

Parse ReadGemmaValue(Cursor& c, Json* out, int depth) {
  if (depth > 64) return Parse::kMalformed;
  if (c.at_end() || c.partial(kEscape)) return Parse::kIncomplete;
  if (c.starts(kEscape)) {
    const size_t b = c.i + kEscape.size();
    const size_t e = c.s.find(kEscape, b);
    if (e == std::string_view::npos) return Parse::kIncomplete;
    *out = std::string(c.s.substr(b, e - b));
    c.i = e + kEscape.size();
    return Parse::kOk;
  }
  const char ch = c.peek();
  if (ch == '{' || ch == '[') {
    ++c.i;
    return ReadGemmaItems(c, ch == '{' ? '}' : ']', ch == '{', out, depth);
  }
  if (IsNameStart(ch)) {
    std::string word;
    const Parse r = ReadName(c, &word);
    if (r != Parse::kOk) return r;
    if (word == "true") *out = true;
    else if (word == "false") *out = false;
    else if (word == "null") *out = nullptr;
    else return Parse::kMalformed;
    return Parse::kOk;
  }
  return ReadNumber(c, out);
}

// <start_function_call>call:NAME{...}<end_function_call> at the cursor.
Parse ReadFunctionGemmaCall(Cursor& c, std::vector<ToolCall>* calls) {
  c.i += kCallOpen.size();
  if (c.partial("call:")) return Parse::kIncomplete;
  if (!c.starts("call:")) return Parse::kMalformed;
  c.i += 5;
  std::string name;
  Parse r = ReadName(c, &name);
  if (r != Parse::kOk) return r;
  if (c.peek() != '{') return Parse::kMalformed;
  ++c.i;
  Json args;
  if ((r = ReadGemmaItems(c, '}', true, &args, 0)) != Parse::kOk) return r;
  if (c.partial(kCallClose)) return Parse::kIncomplete;
  if (!c.starts(kCallClose)) return Parse::kMalformed;
  c.i += kCallClose.size();
  calls->push_back({name, args.dump()});
  return Parse::kOk;
}

// ---- scanning ---------------------------------------------------------------------------------

// The next place a call may start, at or after from: npos when none.
size_t NextCandidate(std::string_view s, size_t from, ToolFormat format) {
  if (format == ToolFormat::kFunctionGemma) return s.find('<', from);
  const size_t bracket = s.find('[', from);
  const size_t fence = s.find('`', from);
  return std::min(bracket, fence);
}

Parse ReadAt(Cursor& c, ToolFormat format, std::vector<ToolCall>* calls) {
  if (format == ToolFormat::kFunctionGemma) {
    if (c.partial(kCallOpen)) return Parse::kIncomplete;
    return c.starts(kCallOpen) ? ReadFunctionGemmaCall(c, calls) : Parse::kMalformed;
  }
  if (c.peek() == '[') return ReadPythonCallList(c, calls);
  if (c.partial(kCodeOpen)) return Parse::kIncomplete;
  return c.starts(kCodeOpen) ? ReadToolCodeBlock(c, calls) : Parse::kMalformed;
}

}  // namespace

ToolCallStream::ToolCallStream(ToolFormat format) : format_(format) {
  if (format != ToolFormat::kGemma3 && format != ToolFormat::kFunctionGemma) {
    Fail(Status::kInvalidArgument, "tool calls: the format must be gemma3 or functiongemma");
  }
}

std::vector<ToolCall> ToolCallStream::Feed(std::string_view text) {
  pending_.append(text.data(), text.size());
  std::vector<ToolCall> found;
  size_t pos = 0;
  while (true) {
    const size_t at = NextCandidate(pending_, pos, format_);
    if (at == std::string::npos) {
      pos = pending_.size();
      break;
    }
    Cursor c{pending_, at};
    std::vector<ToolCall> calls;
    const Parse r = ReadAt(c, format_, &calls);
    if (r == Parse::kIncomplete) {
      pos = at;
      break;
    }
    if (r == Parse::kMalformed) {
      pos = at + 1;
      continue;
    }
    text_.append(pending_, 0, at);
    pending_.erase(0, c.i);
    pos = 0;
    for (ToolCall& call : calls) found.push_back(std::move(call));
  }
  text_.append(pending_, 0, pos);
  pending_.erase(0, pos);
  calls_.insert(calls_.end(), found.begin(), found.end());
  return found;
}

void ToolCallStream::Finish() {
  text_ += pending_;
  pending_.clear();
}

std::vector<ToolCall> ParseToolCalls(std::string_view text, ToolFormat format, std::string* rest_text) {
  ToolCallStream stream(format);
  stream.Feed(text);
  stream.Finish();
  if (rest_text) *rest_text = stream.text();
  return stream.calls();
}

}  // namespace gemmakit
