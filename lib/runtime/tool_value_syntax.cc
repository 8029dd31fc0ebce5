#include "runtime/tool_value_syntax.h"

#include <cctype>

#include "gemmakit/tools.h"

namespace gemmakit {
namespace {

using Json = nlohmann::ordered_json;
using grammar::GbnfLiteral;
using grammar::ObjectSpelling;

// A character is one code point of the value: \u escapes stop short of surrogates, which the
// parser could not turn into UTF-8.
constexpr const char* kPythonPrimitives = R"G(char ::= [^"\\\x00-\x1F] | "\\" (["\\nrt] | "u" ([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))
string ::= "\"" char* "\""
boolean ::= "True" | "False"
null ::= "None"
value ::= object | array | string | number | boolean | null
object ::= "{" (string ": " value (", " string ": " value)*)? "}"
array ::= "[" (value (", " value)*)? "]"
keyword ::= [a-zA-Z_] [a-zA-Z0-9_]*
)G";

// A value's text is cut at the next <escape>, so a string's characters leave '<' out; a key runs
// to the next ':' and may hold none of the brackets and commas around it.
constexpr const char* kFunctionGemmaPrimitives = R"G(char ::= [^<]
string ::= "<escape>" char* "<escape>"
boolean ::= "true" | "false"
null ::= "null"
value ::= object | array | string | number | boolean | null
object ::= "{" (bare-key ":" value ("," bare-key ":" value)*)? "}"
array ::= "[" (value ("," value)*)? "]"
bare-key ::= [^:{}\[\],<]+
)G";

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

std::string PythonString(const std::string& s) { return grammar::QuotedEscaped(s, "\\u00"); }

// The value as a Python literal, written the way the grammar's rules write values.
std::string PythonText(const Json& v) {
  if (v.is_string()) return PythonString(v.get<std::string>());
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  std::string out;
  if (v.is_array()) {
    for (const Json& item : v) out += (out.empty() ? "" : ", ") + PythonText(item);
    return "[" + out + "]";
  }
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      out += (out.empty() ? "" : ", ") + PythonString(it.key()) + ": " + PythonText(it.value());
    }
    return "{" + out + "}";
  }
  return v.dump();
}

class PythonLiterals : public grammar::ValueSyntax {
 public:
  std::string Primitives() const override { return kPythonPrimitives + grammar::NumberRules(""); }
  std::string Constant(const Json& value) const override { return GbnfLiteral(PythonText(value)); }
  std::string Quoted(const std::string& characters) const override {
    return "\"\\\"\" " + characters + " \"\\\"\"";
  }
  ObjectSpelling Object() const override {
    return {"\"{\"", "\"}\"", "\", \"",
            [](const std::string& name) { return GbnfLiteral(PythonString(name)) + " \": \""; }, "string \": \""};
  }
  ObjectSpelling Array() const override { return {"\"[\"", "\"]\"", "\", \"", nullptr, ""}; }
};

bool IsBareKey(const std::string& key) { return !key.empty() && key.find_first_of(":{}[],<") == std::string::npos; }

// Whether FunctionGemma's notation can write the value so that its parser reads it back.
bool FunctionGemmaSpells(const Json& v) {
  if (v.is_string()) return v.get<std::string>().find('<') == std::string::npos;
  if (v.is_array()) {
    for (const Json& item : v) {
      if (!FunctionGemmaSpells(item)) return false;
    }
  }
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!IsBareKey(it.key()) || !FunctionGemmaSpells(it.value())) return false;
    }
  }
  return true;
}

class FunctionGemmaNotation : public grammar::ValueSyntax {
 public:
  std::string Primitives() const override { return kFunctionGemmaPrimitives + grammar::NumberRules(""); }
  std::string Constant(const Json& value) const override {
    return FunctionGemmaSpells(value) ? GbnfLiteral(FunctionGemmaValue(value.dump())) : "";
  }
  std::string Quoted(const std::string& characters) const override {
    return "\"<escape>\" " + characters + " \"<escape>\"";
  }
  ObjectSpelling Object() const override {
    return {"\"{\"", "\"}\"", "\",\"",
            [](const std::string& name) { return IsBareKey(name) ? GbnfLiteral(name + ":") : ""; },
            "bare-key \":\""};
  }
  ObjectSpelling Array() const override { return {"\"[\"", "\"]\"", "\",\"", nullptr, ""}; }
};

}  // namespace

const grammar::ValueSyntax& PythonLiteralSyntax() {
  static const PythonLiterals kSyntax;
  return kSyntax;
}

grammar::ObjectSpelling PythonKeywordArguments() {
  return {"\"(\"", "\")\"", "\", \"",
          [](const std::string& name) { return IsIdentifier(name) ? GbnfLiteral(name + "=") : ""; },
          "keyword \"=\""};
}

const grammar::ValueSyntax& FunctionGemmaSyntax() {
  static const FunctionGemmaNotation kSyntax;
  return kSyntax;
}

}  // namespace gemmakit
