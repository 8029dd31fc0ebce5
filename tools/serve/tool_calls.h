// Function calling over the C API's tools block: the prompt of a conversation with tools, the
// grammar that forces a call, and the calls found in a choice's streamed text.
#pragma once

#include <string>
#include <vector>

#include "gemmakit.h"
#include "generation_request.h"

namespace gemmakit_serve {

// The conversation rendered with its tools (text starting with "<bos>"): the tools template
// declares the functions; past calls are written back in the model's notation. Throws ApiError.
std::string RenderToolPrompt(const gemmakit_model* model, const GenerationRequest& request);

// The GBNF grammar that makes the model answer with calls only: to any declared function
// (tool_choice "required") or to the named one; "" when the request forces no call.
std::string ForcedCallGrammar(const gemmakit_model* model, const GenerationRequest& request);

// Stop strings the model's call format needs (FunctionGemma stops where a function's result goes).
std::vector<std::string> ToolCallStops(const gemmakit_model* model);

// One choice's calls, found as its text streams: text is passed on once it cannot be part of a
// call; each call is handed over when complete.
class CallExtractor {
 public:
  explicit CallExtractor(const gemmakit_model* model);  // throws ApiError
  ~CallExtractor();
  CallExtractor(const CallExtractor&) = delete;
  CallExtractor& operator=(const CallExtractor&) = delete;

  // Returns the text that became final; appends completed calls to calls.
  std::string Feed(const std::string& text, std::vector<ToolCall>& calls);
  // The end of the choice: an unfinished call becomes text.
  std::string Finish(const std::string& text, std::vector<ToolCall>& calls);
  bool found_calls() const { return calls_sent_ > 0; }

 private:
  std::string Drain(std::vector<ToolCall>& calls);

  gemmakit_tool_parser* parser_ = nullptr;
  size_t text_sent_ = 0;
  size_t calls_sent_ = 0;
};

}  // namespace gemmakit_serve
