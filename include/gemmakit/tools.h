// Function calling ("tools") for Gemma checkpoints, in the two formats Google defines:
//
// - kGemma3: Gemma 3 has no tool tokens. As ai.google.dev/gemma/docs/capabilities/function-calling
//   documents, the first user turn starts with an instruction and the functions as a JSON list; the
//   model answers with a Python-style list `[name(arg=value, ...), ...]` (or the same calls in a
//   ```tool_code``` block, which the Gemma cookbook uses); results go back in a user turn as a
//   ```tool_output``` block.
// - kFunctionGemma: google/functiongemma-270m-it has control tokens: declarations in a `developer`
//   turn as <start_function_declaration>declaration:NAME{...}<end_function_declaration>, calls as
//   <start_function_call>call:NAME{key:value,...}<end_function_call>, results as
//   <start_function_response>response:NAME{...}<end_function_response>, strings between <escape>
//   tokens (ai.google.dev/gemma/docs/functiongemma/formatting-and-best-practices).
//
// Arguments and parameters cross this API as JSON text; parsing never throws on model output: what
// does not parse as a call stays text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gemmakit/chat.h"

namespace gemmakit {

class Tokenizer;

enum class ToolFormat : int32_t {
  kAuto = 0,           // kFunctionGemma when the vocabulary has its control tokens, else kGemma3
  kGemma3 = 1,
  kFunctionGemma = 2,
};

struct ToolDeclaration {
  std::string name;
  std::string description;
  std::string parameters_json;  // a JSON Schema object ("" or "{}": no parameters)
};

struct ToolCall {
  std::string name;
  std::string arguments_json;  // a JSON object, compact, keys in the order the model wrote them
};

// Declarations from JSON text: an array of {"name", "description", "parameters"} objects, or of
// OpenAI's {"type": "function", "function": {...}}. Throws Error(kInvalidArgument) otherwise.
std::vector<ToolDeclaration> ParseToolDeclarations(std::string_view json);

// kFunctionGemma when the tokenizer holds <start_function_call> as one token, else kGemma3.
ToolFormat DetectToolFormat(const Tokenizer& tokenizer);
// kAuto resolved with the tokenizer (nullptr: kGemma3).
ToolFormat ResolveToolFormat(ToolFormat format, const Tokenizer* tokenizer);

// Renders a conversation with tools. Roles: "system" (first only), "user", "assistant"/"model"
// (their content is the model's text as generated, calls included), and "tool" (a function's
// result: JSON or plain text). Gemma 3: the instruction and the functions open the first user turn
// (after the system text, as the chat template folds it); a run of tool messages becomes one user
// turn of ```tool_output``` blocks. FunctionGemma: system text and declarations form a developer
// turn; a tool message continues the model turn with a function response named after the call of
// the same position in the preceding model message. Throws Error(kInvalidArgument) for a bad
// conversation, a tool whose parameters_json is not a JSON object, or an unknown format.
std::string FormatToolChat(const std::vector<ChatMessage>& messages, const std::vector<ToolDeclaration>& tools,
                           ToolFormat format, bool add_generation_prompt);

// The functions as the Gemma 3 prompt lists them: a JSON array of {name, description, parameters}.
std::string Gemma3FunctionList(const std::vector<ToolDeclaration>& tools);
// One FunctionGemma declaration: declaration:NAME{description:<escape>...<escape>,parameters:{...}}.
std::string FunctionGemmaDeclaration(const ToolDeclaration& tool);
// A JSON value in FunctionGemma's notation: strings between <escape>, keys bare, no spaces.
std::string FunctionGemmaValue(std::string_view json);

// Finds the complete calls in text, streamed: Feed() text as it is generated; each call is
// returned by the Feed() that completes it. Text that is not a call (and malformed calls) is kept
// in text(). Gemma 3: `[f(a=1), g()]` lists and ```tool_code``` blocks (Python calls or the JSON
// form {"name": ..., "parameters": {...}}); FunctionGemma: <start_function_call>call:...
// <end_function_call>.
class ToolCallStream {
 public:
  explicit ToolCallStream(ToolFormat format);  // kGemma3 or kFunctionGemma
  std::vector<ToolCall> Feed(std::string_view text);
  // The end of the output: an unfinished call becomes text.
  void Finish();
  const std::vector<ToolCall>& calls() const { return calls_; }
  const std::string& text() const { return text_; }  // the output without its calls

 private:
  ToolFormat format_;
  std::string pending_;  // output not yet decided: may be the start of a call
  std::string text_;
  std::vector<ToolCall> calls_;
};

// Every call in a finished output (ToolCallStream fed once and finished).
std::vector<ToolCall> ParseToolCalls(std::string_view text, ToolFormat format, std::string* rest_text = nullptr);

// Calls in the format's own notation (Gemma 3: `[f(key=value, ...)]`; FunctionGemma:
// <start_function_call>call:...<end_function_call> each), as a past model turn's text. Throws
// Error(kInvalidArgument) when arguments are not a JSON object.
std::string FormatToolCalls(const std::vector<ToolCall>& calls, ToolFormat format);

// The GBNF grammar (llama.cpp's grammar text) of one model turn of calls in the format, over the
// declared names, for a constrained decoder. Each call's arguments follow the function's parameter
// schema (the JSON schema subset of sampling's json_schema): keys are its properties in the
// schema's order, required ones present, values of the declared types written in the format's
// notation (Gemma 3: Python literals as keyword arguments; FunctionGemma: its <escape> notation).
// A function without parameters is called with no arguments. Throws Error(kInvalidArgument) for
// no tools, a name that cannot be written as a call, or a schema the converter refuses (the message
// names the function and the schema path), or a property name or constant the notation cannot
// write (Gemma 3: argument names must be identifiers; FunctionGemma: no '<' in constant strings,
// none of :{}[],< in keys).
std::string ToolCallGrammar(const std::vector<ToolDeclaration>& tools, ToolFormat format);

}  // namespace gemmakit
