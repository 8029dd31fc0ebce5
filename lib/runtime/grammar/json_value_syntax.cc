// JSON's spelling of values, and the GBNF helpers every syntax shares.
#include "runtime/grammar/value_syntax.h"

namespace gemmakit::grammar {
namespace {

// A string's characters: \u escapes stop short of surrogates (U+D800-DFFF), so each character of
// the grammar is one code point of the string (minLength / maxLength count those) and strict JSON
// parsers never meet a lone surrogate.
constexpr const char* kJsonPrimitives = R"G(space ::= | " " | "\n" [ \t]{0,20}
char ::= [^"\\\x00-\x1F] | "\\" (["\\/bfnrt] | "u" ([0-9a-cA-CefEF] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2}))
string ::= "\"" char* "\"" space
boolean ::= ("true" | "false") space
null ::= "null" space
value ::= object | array | string | number | boolean | null
object ::= "{" space (string ":" space value ("," space string ":" space value)*)? "}" space
array ::= "[" space (value ("," space value)*)? "]" space
)G";

class Json : public ValueSyntax {
 public:
  std::string Primitives() const override { return kJsonPrimitives + NumberRules(" space"); }
  std::string Constant(const nlohmann::ordered_json& value) const override {
    return GbnfLiteral(value.dump()) + " space";
  }
  std::string Quoted(const std::string& characters) const override {
    return "\"\\\"\" " + characters + " \"\\\"\" space";
  }
  ObjectSpelling Object() const override {
    return {"\"{\" space", "\"}\" space", "\",\" space",
            [](const std::string& name) {
              return GbnfLiteral(nlohmann::ordered_json(name).dump()) + " space \":\" space";
            },
            "string \":\" space"};
  }
  ObjectSpelling Array() const override { return {"\"[\" space", "\"]\" space", "\",\" space", nullptr, ""}; }
};

}  // namespace

const ValueSyntax& JsonSyntax() {
  static const Json kJson;
  return kJson;
}

std::string QuotedEscaped(const std::string& bytes, const char* control_prefix) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      static const char* const kHex = "0123456789ABCDEF";
      out += control_prefix;
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string GbnfLiteral(const std::string& bytes) { return QuotedEscaped(bytes, "\\x"); }

std::string NumberRules(const std::string& trail) {
  return "int-part ::= \"-\"? (\"0\" | [1-9] [0-9]{0,15})\n"
         "integer ::= int-part" + trail + "\n"
         "number ::= int-part (\".\" [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?" + trail + "\n";
}

}  // namespace gemmakit::grammar
