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
#pragma once

#include <string>
#include <string_view>

namespace gemmakit::grammar {

// Throws Error(kInvalidArgument) naming the byte of a JSON syntax error, or the schema path
// ("/properties/age") of an unsupported or malformed keyword.
std::string JsonSchemaToGbnf(std::string_view schema_json);

// Any JSON object, with values nested to any depth.
std::string JsonObjectGbnf();

}  // namespace gemmakit::grammar
