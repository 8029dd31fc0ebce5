// GBNF text of a model turn of tool calls, per format: what a constrained decoder (llama.cpp's
// grammar syntax) needs so that every sampled turn parses as calls to the declared functions with
// arguments that validate against each function's parameter schema. The schema converter writes
// the arguments, in the format's own notation (tool_value_syntax.h).
#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "gemmakit/tools.h"
#include "runtime/grammar/json_schema.h"
#include "runtime/tool_value_syntax.h"

namespace gemmakit {
namespace {

// A name the call parsers read: [A-Za-z_][A-Za-z0-9_.-]*.
bool IsCallName(const std::string& name) {
  const auto start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (name.empty() || !start(name[0])) return false;
  for (char c : name) {
    if (!start(c) && !(c >= '0' && c <= '9') && c != '.' && c != '-') return false;
  }
  return true;
}

// The rule of one function's call: its name and its arguments, as the schema allows them.
std::string CallRule(grammar::SchemaGrammar& g, const ToolDeclaration& tool, bool function_gemma) {
  if (!IsCallName(tool.name)) {
    Fail(Status::kInvalidArgument, "tool grammar: '" + tool.name + "' cannot be written as a function call's name");
  }
  // No parameters: a call with no arguments.
  const std::string schema = tool.parameters_json.empty() ? "{}" : tool.parameters_json;
  std::string args;
  try {
    args = function_gemma ? g.AddObject(schema, FunctionGemmaSyntax().Object(), tool.name)
                          : g.AddObject(schema, PythonKeywordArguments(), tool.name);
  } catch (const Error& e) {
    Fail(e.status(), "tool grammar: function '" + tool.name + "': " + e.what());
  }
  if (function_gemma) return grammar::GbnfLiteral("<start_function_call>call:" + tool.name) + " " + args +
                             " \"<end_function_call>\"";
  return grammar::GbnfLiteral(tool.name) + " " + args;
}

}  // namespace

std::string ToolCallGrammar(const std::vector<ToolDeclaration>& tools, ToolFormat format) {
  if (tools.empty()) Fail(Status::kInvalidArgument, "tool grammar: no tools declared");
  const bool function_gemma = ResolveToolFormat(format, nullptr) == ToolFormat::kFunctionGemma;
  grammar::SchemaGrammar g(function_gemma ? FunctionGemmaSyntax() : PythonLiteralSyntax());
  std::string call;
  for (const ToolDeclaration& t : tools) call += (call.empty() ? "" : " | ") + CallRule(g, t, function_gemma);
  std::string out = function_gemma ? "root ::= tool-call+\n" : "root ::= \"[\" tool-call (\", \" tool-call)* \"]\"\n";
  return out + "tool-call ::= " + call + "\n" + g.Rules();
}

}  // namespace gemmakit
