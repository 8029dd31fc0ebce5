// What the scheduler runs, independent of the HTTP API that asked for it: a conversation or a raw
// prompt, sampling settings, stop strings, how many choices. openai_request.cc fills it from a
// request body, tools and response_format included.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gemmakit.h"

namespace gemmakit_serve {

struct ImageDeleter {
  void operator()(gemmakit_image* image) const { gemmakit_image_free(image); }
};
using ImagePtr = std::shared_ptr<gemmakit_image>;

struct MessagePart {
  std::string text;  // when image is null
  ImagePtr image;
};

// A function call: the model's (in a response) or a past one a client sends back.
struct ToolCall {
  std::string id;
  std::string name;
  std::string arguments;  // a JSON object, as text
};

struct Message {
  std::string role;  // "system", "user", "assistant", "tool"
  std::vector<MessagePart> parts;
  std::vector<ToolCall> tool_calls;  // assistant: the calls it made
};

struct GenerationRequest {
  bool chat = true;
  std::vector<Message> messages;  // chat
  std::string prompt;             // completion: raw text, <bos> added
  int32_t n = 1;                  // choices, each from its own fork of the evaluated prompt
  int32_t max_tokens = 256;
  // Unset: the server's default (sampling_defaults.h). top_k and the rest are llama-server's.
  std::optional<float> temperature;
  std::optional<float> top_p;
  std::optional<int32_t> top_k;
  std::optional<float> min_p;
  std::optional<float> repeat_penalty;
  std::optional<int32_t> repeat_last_n;
  std::optional<uint64_t> seed;   // choice i samples with seed + i
  std::vector<std::string> stop;
  int32_t logprobs = -1;          // -1: none; k >= 0: the chosen token's and the top k alternatives'
  // response_format: at most one of these constrains the sampler.
  std::string json_schema;        // "json_schema": the schema, as JSON text
  bool json_mode = false;         // "json_object"
  // tools: OpenAI's array as JSON text ("" for none); tool_choice "auto", "none", "required", or
  // "function" with forced_tool naming it.
  std::vector<gemmakit_logit_bias> logit_bias;
  // LoRA adapters for this request, as llama-server takes them ("lora": [{"id", "scale"}]): the
  // server's --lora adapters by index; set, it replaces the server's default set (every --lora at its
  // scale), and an adapter it leaves out or scales by 0 is off. Empty optional: the default set.
  std::optional<std::vector<std::pair<int32_t, float>>> lora;
  std::string tools_json;
  std::string tool_choice = "auto";
  std::string forced_tool;

  // Whether the prompt goes through the tools template: tools declared or tool turns present.
  bool with_tools() const {
    if (!tools_json.empty()) return true;
    for (const Message& m : messages)
      if (m.role == "tool" || !m.tool_calls.empty()) return true;
    return false;
  }
  // Whether the output is searched for calls.
  bool parses_calls() const { return !tools_json.empty() && tool_choice != "none"; }

  bool has_images() const {
    for (const Message& m : messages)
      for (const MessagePart& p : m.parts)
        if (p.image) return true;
    return false;
  }
};

struct TopLogprob {
  std::string token;
  float logprob = 0;
};

struct TokenLogprob {
  std::string token;  // the token's bytes (may be part of a UTF-8 character)
  float logprob = 0;
  std::vector<TopLogprob> top;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
};

}  // namespace gemmakit_serve
