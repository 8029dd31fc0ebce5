// Scheduler events -> OpenAI response bodies: server-sent-event chunks when streaming, one JSON
// object otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "openai_request.h"
#include "request_channel.h"

namespace gemmakit_serve {

class ResponseWriter {
 public:
  ResponseWriter(const ParsedRequest& request, bool chat);
  // Streaming: the "data: {...}\n\n" lines an event becomes ("" for none); the last event (kDone)
  // also writes "data: [DONE]".
  std::string Stream(const Event& e);
  // Not streaming: accumulates an event; Body() is the response once kDone arrived.
  void Collect(const Event& e);
  std::string Body() const;

 private:
  struct Choice {
    std::string text;
    std::string finish_reason;
    std::vector<TokenLogprob> logprobs;
    std::vector<ToolCall> tool_calls;
    bool role_sent = false;
  };
  // Gives the event's calls their ids, keeps them in the choice, and returns them as OpenAI's
  // tool_calls entries (index: the call's position in the choice).
  nlohmann::json TakeCalls(Choice& c, const std::vector<ToolCall>& calls);
  nlohmann::json Envelope() const;
  nlohmann::json LogprobsJson(const std::vector<TokenLogprob>& lps, size_t text_offset) const;
  nlohmann::json UsageJson(const Usage& u) const;
  static std::string Sse(const nlohmann::json& j);

  bool chat_;
  bool logprobs_;
  bool include_usage_;
  std::string model_;
  std::string id_;
  int64_t created_;
  std::vector<Choice> choices_;
  Usage usage_;
};

}  // namespace gemmakit_serve
