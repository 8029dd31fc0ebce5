// What the scheduler runs, independent of the HTTP API that asked for it: a conversation or a raw
// prompt, sampling settings and constraints, stop strings, how many choices. openai_request.cc
// fills it from a request body; tools (issue 16) would add their declarations here.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
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

struct Message {
  std::string role;  // "system", "user", "assistant"
  std::vector<MessagePart> parts;
};

struct GenerationRequest {
  bool chat = true;
  std::vector<Message> messages;  // chat
  std::string prompt;             // completion: raw text, <bos> added
  int32_t n = 1;                  // choices, each from its own fork of the evaluated prompt
  int32_t max_tokens = 256;
  float temperature = 1.0f;
  float top_p = 1.0f;
  std::optional<uint64_t> seed;   // choice i samples with seed + i
  std::vector<std::string> stop;
  int32_t logprobs = -1;          // -1: none; k >= 0: the chosen token's and the top k alternatives'
  // Constrained decoding, enforced by the sampler (gemmakit_sampling_params): at most one.
  std::string json_schema;        // response_format json_schema: the schema as JSON text
  bool json_mode = false;         // response_format json_object: any JSON object
  std::vector<gemmakit_logit_bias> logit_bias;

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
