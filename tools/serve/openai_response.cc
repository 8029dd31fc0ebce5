#include "openai_response.h"

#include <atomic>
#include <chrono>
#include <random>

namespace gemmakit_serve {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string NewId(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t salt = std::random_device{}();
  char buf[64];
  snprintf(buf, sizeof buf, "%s%016llx%06llx", prefix, static_cast<unsigned long long>(salt),
           static_cast<unsigned long long>(++counter));
  return buf;
}

json Bytes(const std::string& s) {
  json out = json::array();
  for (unsigned char c : s) out.push_back(static_cast<int>(c));
  return out;
}

json CallJson(const ToolCall& call) {
  return {{"id", call.id}, {"type", "function"}, {"function", {{"name", call.name}, {"arguments", call.arguments}}}};
}

}  // namespace

ResponseWriter::ResponseWriter(const ParsedRequest& request, bool chat)
    : chat_(chat), logprobs_(request.generation.logprobs >= 0), include_usage_(request.include_usage),
      model_(request.model), id_(NewId(chat ? "chatcmpl-" : "cmpl-")),
      created_(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
                   .count()),
      choices_(static_cast<size_t>(request.generation.n)) {}

json ResponseWriter::Envelope() const {
  return {{"id", id_}, {"created", created_}, {"model", model_}, {"system_fingerprint", "gemmakit"}};
}

json ResponseWriter::LogprobsJson(const std::vector<TokenLogprob>& lps, size_t text_offset) const {
  if (!logprobs_) return nullptr;
  if (chat_) {
    json content = json::array();
    for (const TokenLogprob& t : lps) {
      json top = json::array();
      for (const TopLogprob& a : t.top) top.push_back({{"token", a.token}, {"logprob", a.logprob}, {"bytes", Bytes(a.token)}});
      content.push_back({{"token", t.token}, {"logprob", t.logprob}, {"bytes", Bytes(t.token)}, {"top_logprobs", top}});
    }
    return {{"content", content}};
  }
  json tokens = json::array(), token_logprobs = json::array(), top = json::array(), offsets = json::array();
  for (const TokenLogprob& t : lps) {
    tokens.push_back(t.token);
    token_logprobs.push_back(t.logprob);
    json alternatives = json::object();
    for (const TopLogprob& a : t.top) alternatives[a.token] = a.logprob;
    top.push_back(alternatives);
    offsets.push_back(text_offset);
    text_offset += t.token.size();
  }
  return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top}, {"text_offset", offsets}};
}

json ResponseWriter::TakeCalls(Choice& c, const std::vector<ToolCall>& calls) {
  json out = json::array();
  for (const ToolCall& call : calls) {
    ToolCall named = call;
    if (named.id.empty()) named.id = NewId("call_");
    json entry = CallJson(named);
    entry["index"] = c.tool_calls.size();
    out.push_back(entry);
    c.tool_calls.push_back(std::move(named));
  }
  return out;
}

json ResponseWriter::UsageJson(const Usage& u) const {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

std::string ResponseWriter::Sse(const json& j) { return "data: " + Dump(j) + "\n\n"; }

std::string ResponseWriter::Stream(const Event& e) {
  json chunk = Envelope();
  chunk["object"] = chat_ ? "chat.completion.chunk" : "text_completion";
  if (e.kind == Event::kDone) {
    std::string out;
    if (include_usage_) {
      chunk["choices"] = json::array();
      chunk["usage"] = UsageJson(e.usage);
      out = Sse(chunk);
    }
    return out + "data: [DONE]\n\n";
  }
  if (e.kind != Event::kDelta && e.kind != Event::kChoiceDone) return "";
  Choice& c = choices_.at(static_cast<size_t>(e.choice));
  json choice = {{"index", e.choice}};
  if (chat_) {
    json delta = json::object();
    if (!c.role_sent) delta["role"] = "assistant", c.role_sent = true;
    if (e.kind == Event::kDelta && (!e.text.empty() || e.tool_calls.empty())) delta["content"] = e.text;
    if (!e.tool_calls.empty()) delta["tool_calls"] = TakeCalls(c, e.tool_calls);
    choice["delta"] = delta;
  } else {
    choice["text"] = e.kind == Event::kDelta ? e.text : "";
  }
  choice["logprobs"] = e.kind == Event::kDelta ? LogprobsJson(e.logprobs, c.text.size()) : json(nullptr);
  choice["finish_reason"] = e.kind == Event::kChoiceDone ? json(e.finish_reason) : json(nullptr);
  c.text += e.text;
  chunk["choices"] = json::array({choice});
  return Sse(chunk);
}

void ResponseWriter::Collect(const Event& e) {
  if (e.kind == Event::kDone) usage_ = e.usage;
  if (e.kind != Event::kDelta && e.kind != Event::kChoiceDone) return;
  Choice& c = choices_.at(static_cast<size_t>(e.choice));
  c.text += e.text;
  c.logprobs.insert(c.logprobs.end(), e.logprobs.begin(), e.logprobs.end());
  TakeCalls(c, e.tool_calls);
  if (e.kind == Event::kChoiceDone) c.finish_reason = e.finish_reason;
}

std::string ResponseWriter::Body() const {
  json body = Envelope();
  body["object"] = chat_ ? "chat.completion" : "text_completion";
  json choices = json::array();
  for (size_t i = 0; i < choices_.size(); ++i) {
    const Choice& c = choices_[i];
    json choice = {{"index", i}, {"logprobs", LogprobsJson(c.logprobs, 0)}, {"finish_reason", c.finish_reason}};
    if (chat_) {
      choice["message"] = {{"role", "assistant"}, {"content", c.text}};
      if (!c.tool_calls.empty()) {
        json calls = json::array();
        for (const ToolCall& call : c.tool_calls) calls.push_back(CallJson(call));
        choice["message"]["tool_calls"] = calls;
        if (c.text.empty()) choice["message"]["content"] = nullptr;  // as OpenAI: a turn of calls only
      }
    } else {
      choice["text"] = c.text;
    }
    choices.push_back(choice);
  }
  body["choices"] = choices;
  body["usage"] = UsageJson(usage_);
  return Dump(body);
}

}  // namespace gemmakit_serve
