// OpenAI request bodies (/v1/chat/completions, /v1/completions) -> GenerationRequest. Every
// field is checked; fields gemmakit cannot honour yet are refused (400), never ignored.
#pragma once

#include <string>

#include "generation_request.h"

namespace gemmakit_serve {

struct ParsedRequest {
  GenerationRequest generation;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage: a last chunk with the token counts
  std::string model;
};

// served_model: the one model id this server answers to. Throws ApiError.
ParsedRequest ParseChatRequest(const std::string& body, const std::string& served_model);
ParsedRequest ParseCompletionRequest(const std::string& body, const std::string& served_model);

}  // namespace gemmakit_serve
