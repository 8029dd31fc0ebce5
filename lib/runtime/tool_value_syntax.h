// How the tool-call formats write argument values, for the JSON schema converter
// (runtime/grammar/value_syntax.h): what ties a function's parameter schema into its call grammar.
#pragma once

#include "runtime/grammar/value_syntax.h"

namespace gemmakit {

// Gemma 3's Python literals: "text" with \\ \" \n \r \t \uXXXX escapes, numbers as JSON writes
// them, True / False / None, [a, b] lists and {"key": value} dicts, ", " between items.
const grammar::ValueSyntax& PythonLiteralSyntax();
// A Gemma 3 call's argument list, (key=value, ...): keys are Python identifiers.
grammar::ObjectSpelling PythonKeywordArguments();

// FunctionGemma's notation: <escape>text<escape> (text without '<'), numbers, true / false / null,
// [a,b] and {key:value}, keys bare (without any of :{}[],<), no spaces.
const grammar::ValueSyntax& FunctionGemmaSyntax();

}  // namespace gemmakit
