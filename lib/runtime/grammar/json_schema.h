// JSON schema -> GBNF, and the grammar of JSON mode (any JSON object).
//
// What a schema may say: type (one or a list: object, array, string, number, integer, boolean,
// null), properties / required / additionalProperties (false, true or a schema), items /
// minItems / maxItems, minLength / maxLength, enum, const, anyOf / oneOf (oneOf's "exactly one"
// is not enforced: the alternatives are what is generated), $ref to "#/$defs/..." or
// "#/definitions/..." (recursive schemas too), and format date / time / date-time / uuid.
// Annotations (title, description, default, examples, $schema, $id, $comment) are ignored.
// Keywords that constrain values in other ways (pattern, minimum, maximum, multipleOf, allOf,
// not, if/then/else, prefixItems, uniqueItems, patternProperties, ...) are refused, so that
// everything generated validates. Properties come out in the schema's order; an object whose
// schema does not allow additional properties explicitly (additionalProperties absent or false)
// gets only its declared ones. Whitespace between tokens is optional and bounded, numbers have at
// most 16 digits before and after the point, so every sentence of the grammar is finite.
//
// The converter writes values through a ValueSyntax (value_syntax.h): JSON by default, or another
// notation's literals, as tool calls need.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "runtime/grammar/value_syntax.h"

namespace gemmakit::grammar {

class SchemaConverter;

// Grammar rules for one or more schemas in one syntax, sharing their primitives: add each schema,
// use the rule names returned in rules of your own, then take Rules().
class SchemaGrammar {
 public:
  explicit SchemaGrammar(const ValueSyntax& syntax);
  ~SchemaGrammar();
  SchemaGrammar(const SchemaGrammar&) = delete;
  SchemaGrammar& operator=(const SchemaGrammar&) = delete;

  // The rule of the values the schema allows; `hint` names its rules. Throws as JsonSchemaToGbnf.
  std::string AddValue(std::string_view schema_json, const std::string& hint);
  // The rule of an object schema's properties written with `spelling` (a call's argument list,
  // say) instead of the syntax's own objects; values inside are the syntax's. The schema must
  // describe an object (type "object", or no type and object keywords only).
  std::string AddObject(std::string_view schema_json, const ObjectSpelling& spelling, const std::string& hint);
  // Every rule added, then the syntax's primitives (no root rule).
  std::string Rules() const;

 private:
  const ValueSyntax& syntax_;
  std::unique_ptr<SchemaConverter> converter_;
};

// Throws Error(kInvalidArgument) naming the byte of a JSON syntax error, or the schema path
// ("/properties/age") of an unsupported or malformed keyword, or of a name or constant the
// syntax cannot spell.
std::string JsonSchemaToGbnf(std::string_view schema_json);

// Any JSON object, with values nested to any depth.
std::string JsonObjectGbnf();

}  // namespace gemmakit::grammar
