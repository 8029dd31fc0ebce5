// GBNF text of a model turn of tool calls, per format: what a constrained decoder (llama.cpp's
// grammar syntax) needs so that every sampled turn parses as calls to the declared functions.
// Functions without parameters are called with no arguments.
#include <nlohmann/json.hpp>

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

std::string NameAlternatives(const std::vector<const ToolDeclaration*>& tools) {
  std::string out;
  for (size_t i = 0; i < tools.size(); ++i) out += (i ? " | " : "") + Literal(tools[i]->name);
  return out;
}

// A function whose parameters declare no properties takes no arguments: its call is written
// with none, which also keeps a constrained sampler from inventing some.
bool TakesNoArguments(const ToolDeclaration& tool) {
  const nlohmann::json p = nlohmann::json::parse(tool.parameters_json.empty() ? "{}" : tool.parameters_json, nullptr,
                                                 /*allow_exceptions=*/false);
  if (!p.is_object()) return false;
  const auto props = p.find("properties");
  return props == p.end() || (props->is_object() && props->empty());
}

// Gemma 3: [name(key=value, ...), ...] with Python literals.
constexpr char kGemma3Rules[] =
    "calls ::= \"[\" call (\", \" call)* \"]\"\n"
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
  std::vector<const ToolDeclaration*> with_args, without_args;
  for (const ToolDeclaration& t : tools) (TakesNoArguments(t) ? without_args : with_args).push_back(&t);
  std::string head = "root ::= calls\n";
  if (!with_args.empty()) head += "name ::= " + NameAlternatives(with_args) + "\n";
  if (!without_args.empty()) head += "bare ::= " + NameAlternatives(without_args) + "\n";
  const bool function_gemma = ResolveToolFormat(format, nullptr) == ToolFormat::kFunctionGemma;
  std::vector<std::string> forms;
  if (function_gemma) {
    if (!with_args.empty()) forms.push_back("\"<start_function_call>call:\" name object \"<end_function_call>\"");
    if (!without_args.empty()) forms.push_back("\"<start_function_call>call:\" bare \"{}<end_function_call>\"");
  } else {
    if (!with_args.empty()) forms.push_back("name \"(\" (arg (\", \" arg)*)? \")\"");
    if (!without_args.empty()) forms.push_back("bare \"()\"");
  }
  head += "call ::= " + forms[0] + (forms.size() > 1 ? " | " + forms[1] : "") + "\n";
  return head + (function_gemma ? kFunctionGemmaRules : kGemma3Rules);
}

}  // namespace gemmakit
