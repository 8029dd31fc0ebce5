// The request fields that constrain or structure the output: response_format (JSON mode, JSON
// schemas), tools and tool_choice, and the tool turns of a conversation (an assistant message's
// tool_calls). Malformed values are refused with 400, as OpenAI does.
#pragma once

#include <nlohmann/json.hpp>

#include "generation_request.h"

namespace gemmakit_serve {

// response_format, tools, tool_choice, parallel_tool_calls of a request body.
void ParseConstraints(const nlohmann::json& body, GenerationRequest& out);

// An assistant message's tool_calls: [{id, type: "function", function: {name, arguments}}].
std::vector<ToolCall> ParseMessageToolCalls(const nlohmann::json& tool_calls);

}  // namespace gemmakit_serve
