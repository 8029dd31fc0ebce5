// How a notation spells values, for the JSON schema converter: the same schema becomes JSON text
// for response formats, Python literals inside Gemma 3's `[f(key=value)]` calls, or FunctionGemma's
// `{key:<escape>text<escape>}` inside its calls. The converter decides which values a schema
// allows; a ValueSyntax decides how they are written, as GBNF fragments.
//
// Every syntax's Primitives() defines these rules, which the converter refers to by name:
//   char     one character of a string, as written between the quotes (one code point of the value)
//   string integer number boolean null   any value of that type
//   value    any value (objects and arrays nested to any depth)
// plus whatever helper rules it needs; none of them starts with "s-" (the converter's own names).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace gemmakit::grammar {

// How an object (or a call's argument list, which the tool grammar spells as one) is written:
// GBNF fragments for its brackets and separator, and its keys.
struct ObjectSpelling {
  std::string open, close, separator;
  // The GBNF of a declared property's key, up to its value (`"\"name\" space \":\" space"`);
  // "" when this notation cannot spell the name.
  std::function<std::string(const std::string& name)> key;
  // The GBNF of any key an additional property may have, up to its value.
  std::string any_key;
};

class ValueSyntax {
 public:
  virtual ~ValueSyntax() = default;
  // The GBNF rules named above.
  virtual std::string Primitives() const = 0;
  // The GBNF of exactly this value; "" when the notation cannot spell it.
  virtual std::string Constant(const nlohmann::ordered_json& value) const = 0;
  // The GBNF of a string whose characters are `characters` (a GBNF fragment over code points).
  virtual std::string Quoted(const std::string& characters) const = 0;
  virtual ObjectSpelling Object() const = 0;
  // Arrays: the same brackets-and-separator fragments (keys unused).
  virtual ObjectSpelling Array() const = 0;
};

// JSON text with optional, bounded whitespace between tokens.
const ValueSyntax& JsonSyntax();

// The bytes between double quotes, with \" \\ \n \r \t escaped and other control bytes written as
// control_prefix and two hex digits: GBNF's literals ("\\x"), Python's strings ("\\u00").
std::string QuotedEscaped(const std::string& bytes, const char* control_prefix);
// A GBNF string literal spelling these bytes.
std::string GbnfLiteral(const std::string& bytes);

// The number rules every syntax shares (JSON's numbers are Python's and FunctionGemma's too):
// int-part, integer and number, each value followed by `trail` (a GBNF fragment, or "").
std::string NumberRules(const std::string& trail);

}  // namespace gemmakit::grammar
