// GBNF text of a model turn of tool calls, per format: what a constrained decoder (llama.cpp's
// grammar syntax) needs so that every sampled turn parses as calls to the declared functions.
#include "gemmakit/status.h"
#include "gemmakit/tools.h"

namespace gemmakit {
namespace {

// A GBNF string literal of s.
std::string Literal(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string NameAlternatives(const std::vector<ToolDeclaration>& tools) {
  std::string out;
  for (size_t i = 0; i < tools.size(); ++i) out += (i ? " | " : "") + Literal(tools[i].name);
  return out;
}

// Gemma 3: [name(key=value, ...), ...] with Python literals.
constexpr char kGemma3Rules[] =
    "calls ::= \"[\" call (\", \" call)* \"]\"\n"
    "call ::= name \"(\" (arg (\", \" arg)*)? \")\"\n"
    "arg ::= key \"=\" value\n"
    "key ::= [a-zA-Z_] [a-zA-Z0-9_]*\n"
    "value ::= string | number | \"True\" | \"False\" | \"None\" | list | dict\n"
    "string ::= \"\\\"\" ([^\"\\\\\\n] | \"\\\\\" [^\\n])* \"\\\"\"\n"
    "number ::= \"-\"? [0-9]+ (\".\" [0-9]+)? ([eE] [-+]? [0-9]+)?\n"
    "list ::= \"[\" (value (\", \" value)*)? \"]\"\n"
    "dict ::= \"{\" (string \": \" value (\", \" string \": \" value)*)? \"}\"\n";

// FunctionGemma: <start_function_call>call:name{key:value,...}<end_function_call>, strings
// between <escape> tokens.
constexpr char kFunctionGemmaRules[] =
    "calls ::= call+\n"
    "call ::= \"<start_function_call>call:\" name object \"<end_function_call>\"\n"
    "object ::= \"{\" (member (\",\" member)*)? \"}\"\n"
    "member ::= key \":\" value\n"
    "key ::= [a-zA-Z_] [a-zA-Z0-9_]*\n"
    "value ::= string | number | \"true\" | \"false\" | \"null\" | object | array\n"
    "string ::= \"<escape>\" [^<]* \"<escape>\"\n"
    "number ::= \"-\"? [0-9]+ (\".\" [0-9]+)? ([eE] [-+]? [0-9]+)?\n"
    "array ::= \"[\" (value (\",\" value)*)? \"]\"\n";

}  // namespace

std::string ToolCallGrammar(const std::vector<ToolDeclaration>& tools, ToolFormat format) {
  if (tools.empty()) Fail(Status::kInvalidArgument, "tool grammar: no tools declared");
  const std::string head = "root ::= calls\nname ::= " + NameAlternatives(tools) + "\n";
  switch (ResolveToolFormat(format, nullptr)) {
    case ToolFormat::kFunctionGemma: return head + kFunctionGemmaRules;
    default: return head + kGemma3Rules;
  }
}

}  // namespace gemmakit
