#include "openai_request.h"

#include <climits>
#include <cmath>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "data_url.h"
#include "openai_constraints.h"

namespace gemmakit_serve {
namespace {

using nlohmann::json;

json ParseBody(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) throw BadRequest("invalid_json", "the request body is not valid JSON");
  if (!j.is_object()) throw BadRequest("invalid_json", "the request body must be a JSON object");
  return j;
}

bool Present(const json& j, const char* key) { return j.contains(key) && !j[key].is_null(); }

ApiError WrongType(const char* key, const char* what) {
  return BadRequest("invalid_type", std::string("'") + key + "' must be " + what, key);
}

double Number(const json& j, const char* key, double lo, double hi) {
  if (!j[key].is_number()) throw WrongType(key, "a number");
  const double v = j[key].get<double>();
  if (!(v >= lo && v <= hi)) {
    throw BadRequest("invalid_value",
                     "'" + std::string(key) + "' must be between " + json(lo).dump() + " and " + json(hi).dump(), key);
  }
  return v;
}

int64_t Integer(const json& j, const char* key, int64_t lo, int64_t hi) {
  if (!j[key].is_number_integer()) throw WrongType(key, "an integer");
  const int64_t v = j[key].get<int64_t>();
  if (v < lo || v > hi) {
    throw BadRequest("invalid_value",
                     "'" + std::string(key) + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi),
                     key);
  }
  return v;
}

ApiError NotSupported(const std::string& key, const std::string& why) {
  return BadRequest("unsupported_parameter", "'" + key + "' is not supported by gemmakit serve yet" + why, key);
}

void CheckModel(const json& j, const std::string& served, ParsedRequest& out) {
  if (!Present(j, "model")) throw BadRequest("missing_required_parameter", "'model' is required", "model");
  if (!j["model"].is_string()) throw WrongType("model", "a string");
  out.model = j["model"].get<std::string>();
  if (out.model != served) {
    throw ApiError(404, "invalid_request_error", "model_not_found",
                   "The model '" + out.model + "' does not exist; this server serves '" + served + "'", "model");
  }
}

// Fields both endpoints share: sampling, lengths, stops, streaming.
void ParseCommon(const json& j, ParsedRequest& out) {
  GenerationRequest& g = out.generation;
  ParseConstraints(j, g);
  for (const char* key : {"presence_penalty", "frequency_penalty"}) {
    if (Present(j, key) && Number(j, key, -2, 2) != 0) throw NotSupported(key, "");
  }
  if (Present(j, "logit_bias")) {
    const json& lb = j["logit_bias"];
    if (!lb.is_object()) throw WrongType("logit_bias", "an object of token id -> bias");
    for (const auto& [id, bias] : lb.items()) {
      char* end = nullptr;
      const long token = std::strtol(id.c_str(), &end, 10);
      if (id.empty() || *end != '\0' || token < 0 || token > INT32_MAX || !bias.is_number() ||
          !(bias.get<double>() >= -100 && bias.get<double>() <= 100)) {
        throw BadRequest("invalid_value", "logit_bias maps token ids to numbers from -100 to 100", "logit_bias");
      }
      g.logit_bias.push_back({static_cast<int32_t>(token), bias.get<float>()});
    }
  }
  if (Present(j, "lora")) {
    const json& lora = j["lora"];
    if (!lora.is_array()) throw WrongType("lora", "an array of {\"id\", \"scale\"} objects");
    std::vector<std::pair<int32_t, float>> set;
    for (const json& a : lora) {
      if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || a["id"].get<int64_t>() < 0 ||
          a["id"].get<int64_t>() > INT32_MAX || (a.contains("scale") && !a["scale"].is_number())) {
        throw BadRequest("invalid_value", "lora takes objects {\"id\": adapter index, \"scale\": number}", "lora");
      }
      const double scale = a.value("scale", 1.0);
      if (!std::isfinite(scale)) throw BadRequest("invalid_value", "a lora scale must be finite", "lora");
      set.emplace_back(static_cast<int32_t>(a["id"].get<int64_t>()), static_cast<float>(scale));
    }
    g.lora = std::move(set);
  }
  if (Present(j, "stream")) {
    if (!j["stream"].is_boolean()) throw WrongType("stream", "a boolean");
    out.stream = j["stream"].get<bool>();
  }
  if (Present(j, "stream_options")) {
    const json& so = j["stream_options"];
    if (!so.is_object()) throw WrongType("stream_options", "an object");
    out.include_usage = so.value("include_usage", false);
  }
  if (Present(j, "n")) g.n = static_cast<int32_t>(Integer(j, "n", 1, 128));
  if (Present(j, "seed")) g.seed = static_cast<uint64_t>(Integer(j, "seed", INT64_MIN, INT64_MAX));
  if (Present(j, "temperature")) g.temperature = static_cast<float>(Number(j, "temperature", 0, 2));
  if (Present(j, "top_p")) g.top_p = static_cast<float>(Number(j, "top_p", 0, 1));
  if (g.top_p == 0.f) {
    // Only the most likely token remains: greedy, which the sampler takes as temperature 0 (its
    // top_p must be above 0).
    g.temperature = 0.f;
    g.top_p.reset();
  }
  // llama-server's sampling fields, in the ranges the library's sampler takes, so that a bad value
  // is the client's 400 rather than a failed generation.
  if (Present(j, "top_k")) g.top_k = static_cast<int32_t>(Integer(j, "top_k", 0, INT32_MAX));
  if (Present(j, "min_p")) g.min_p = static_cast<float>(Number(j, "min_p", 0, 1));
  if (Present(j, "repeat_penalty")) {
    // The bound keeps the float finite; the sampler divides by the penalty, so 0 is refused too.
    g.repeat_penalty = static_cast<float>(Number(j, "repeat_penalty", 0, 1e30));
    if (*g.repeat_penalty == 0.f) {
      throw BadRequest("invalid_value", "'repeat_penalty' must be greater than 0", "repeat_penalty");
    }
  }
  if (Present(j, "repeat_last_n")) {
    // -1 is llama-server's "the whole context": a session never holds more tokens than that.
    const int64_t n = Integer(j, "repeat_last_n", -1, INT32_MAX);
    g.repeat_last_n = n < 0 ? INT32_MAX : static_cast<int32_t>(n);
  }
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    if (Present(j, key)) g.max_tokens = static_cast<int32_t>(Integer(j, key, 1, 1 << 20));
  }
  if (Present(j, "stop")) {
    const json& s = j["stop"];
    if (s.is_string()) {
      g.stop.push_back(s.get<std::string>());
    } else if (s.is_array() && s.size() <= 4) {
      for (const json& x : s) {
        if (!x.is_string()) throw WrongType("stop", "a string or an array of up to 4 strings");
        g.stop.push_back(x.get<std::string>());
      }
    } else {
      throw WrongType("stop", "a string or an array of up to 4 strings");
    }
    for (const std::string& x : g.stop)
      if (x.empty()) throw BadRequest("invalid_value", "stop strings must not be empty", "stop");
  }
}

MessagePart ParsePart(const json& part) {
  if (!part.is_object() || !part.contains("type") || !part["type"].is_string()) {
    throw BadRequest("invalid_value", "each content part needs a 'type'", "messages");
  }
  const std::string type = part["type"].get<std::string>();
  MessagePart p;
  if (type == "text") {
    if (!part.contains("text") || !part["text"].is_string()) throw WrongType("messages", "text parts with a 'text' string");
    p.text = part["text"].get<std::string>();
  } else if (type == "image_url") {
    const json& iu = part.value("image_url", json());
    const json url = iu.is_string() ? iu : iu.is_object() ? iu.value("url", json()) : json();
    if (!url.is_string()) throw WrongType("messages", "image_url parts with a 'url' string");
    p.image = DecodeImageDataUrl(url.get<std::string>());
  } else {
    throw BadRequest("unsupported_content", "content parts of type '" + type + "' are not supported", "messages");
  }
  return p;
}

Message ParseMessage(const json& m) {
  if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) {
    throw BadRequest("invalid_value", "each message needs a 'role'", "messages");
  }
  Message out;
  out.role = m["role"].get<std::string>();
  if (out.role == "developer") out.role = "system";  // OpenAI's newer name for the system role
  if (Present(m, "function_call")) throw NotSupported("messages", ": 'function_call' (use 'tool_calls')");
  if (out.role != "system" && out.role != "user" && out.role != "assistant" && out.role != "tool") {
    throw BadRequest("invalid_value", "unknown message role '" + out.role + "'", "messages");
  }
  if (out.role == "assistant" && Present(m, "tool_calls")) out.tool_calls = ParseMessageToolCalls(m["tool_calls"]);
  const json& content = m.value("content", json());
  if (content.is_null() && !out.tool_calls.empty()) {
    // an assistant turn of calls only
  } else if (content.is_string()) {
    out.parts.push_back({content.get<std::string>(), nullptr});
  } else if (content.is_array()) {
    for (const json& part : content) out.parts.push_back(ParsePart(part));
  } else {
    throw WrongType("messages", "messages whose 'content' is a string or an array of parts");
  }
  return out;
}

}  // namespace

ParsedRequest ParseChatRequest(const std::string& body, const std::string& served_model) {
  const json j = ParseBody(body);
  ParsedRequest out;
  CheckModel(j, served_model, out);
  ParseCommon(j, out);
  if (!Present(j, "messages") || !j["messages"].is_array() || j["messages"].empty()) {
    throw BadRequest("missing_required_parameter", "'messages' must be a non-empty array", "messages");
  }
  for (const json& m : j["messages"]) out.generation.messages.push_back(ParseMessage(m));
  if (Present(j, "logprobs")) {
    if (!j["logprobs"].is_boolean()) throw WrongType("logprobs", "a boolean");
    if (j["logprobs"].get<bool>()) out.generation.logprobs = 0;
  }
  if (Present(j, "top_logprobs")) {
    if (out.generation.logprobs < 0) {
      throw BadRequest("invalid_value", "'top_logprobs' needs 'logprobs': true", "top_logprobs");
    }
    out.generation.logprobs = static_cast<int32_t>(Integer(j, "top_logprobs", 0, 20));
  }
  return out;
}

ParsedRequest ParseCompletionRequest(const std::string& body, const std::string& served_model) {
  const json j = ParseBody(body);
  ParsedRequest out;
  CheckModel(j, served_model, out);
  ParseCommon(j, out);
  out.generation.chat = false;
  if (!out.generation.tools_json.empty()) throw NotSupported("tools", " on /v1/completions (use /v1/chat/completions)");
  out.generation.max_tokens = 16;  // the completions endpoint's documented default
  for (const char* key : {"max_tokens"}) {
    if (Present(j, key)) out.generation.max_tokens = static_cast<int32_t>(Integer(j, key, 1, 1 << 20));
  }
  if (!Present(j, "prompt") || !j["prompt"].is_string()) {
    throw BadRequest("invalid_type", "'prompt' must be a string (arrays of prompts are not supported)", "prompt");
  }
  out.generation.prompt = j["prompt"].get<std::string>();
  if (Present(j, "echo") && j["echo"].is_boolean() && j["echo"].get<bool>()) throw NotSupported("echo", "");
  if (Present(j, "suffix")) throw NotSupported("suffix", "");
  if (Present(j, "best_of") && Integer(j, "best_of", 1, 128) != 1) throw NotSupported("best_of", "");
  if (Present(j, "logprobs")) out.generation.logprobs = static_cast<int32_t>(Integer(j, "logprobs", 0, 5));
  return out;
}

}  // namespace gemmakit_serve
