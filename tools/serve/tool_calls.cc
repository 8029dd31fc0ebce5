#include "tool_calls.h"

#include <nlohmann/json.hpp>

#include "api_error.h"

namespace gemmakit_serve {
namespace {

void Check(gemmakit_status st) {
  if (st != GEMMAKIT_OK) throw FromLibraryStatus(st, gemmakit_last_error());
}

// Runs a C API call that writes text into (buf, capacity, needed), growing the buffer once.
template <typename Call>
std::string TextOut(Call call) {
  std::string out(1024, '\0');
  size_t needed = 0;
  gemmakit_status st = call(out.data(), out.size(), &needed);
  if (st == GEMMAKIT_ERR_BUFFER_TOO_SMALL) {
    out.resize(needed);
    st = call(out.data(), out.size(), &needed);
  }
  Check(st);
  out.resize(needed > 0 ? needed - 1 : 0);
  return out;
}

gemmakit_tool_params ToolParams(const std::string& tools_json) {
  gemmakit_tool_params p;
  Check(gemmakit_tool_params_init(&p, sizeof p));
  p.tools_json = tools_json.empty() ? nullptr : tools_json.c_str();
  return p;
}

// A message's text, with its calls written the way the model writes them.
std::string MessageText(const gemmakit_model* model, const Message& m) {
  std::string text;
  for (const MessagePart& p : m.parts) {
    if (p.image) throw BadRequest("unsupported_content", "images cannot be combined with tools", "messages");
    text += p.text;
  }
  if (m.tool_calls.empty()) return text;
  std::vector<gemmakit_tool_call> calls;
  for (const ToolCall& c : m.tool_calls) calls.push_back({c.name.c_str(), c.arguments.c_str()});
  return text + TextOut([&](char* buf, size_t cap, size_t* needed) {
           return gemmakit_format_tool_calls(model, GEMMAKIT_TOOL_FORMAT_AUTO, calls.data(), calls.size(), buf, cap,
                                             needed);
         });
}

}  // namespace

std::string RenderToolPrompt(const gemmakit_model* model, const GenerationRequest& request) {
  std::vector<std::string> texts;
  for (const Message& m : request.messages) texts.push_back(MessageText(model, m));
  std::vector<gemmakit_chat_message> messages;
  for (size_t i = 0; i < texts.size(); ++i) messages.push_back({request.messages[i].role.c_str(), texts[i].c_str()});
  const gemmakit_tool_params tools = ToolParams(request.tools_json);
  return TextOut([&](char* buf, size_t cap, size_t* needed) {
    return gemmakit_apply_chat_template_tools(model, messages.data(), messages.size(), &tools, 1, buf, cap, needed);
  });
}

std::string ForcedCallGrammar(const gemmakit_model* model, const GenerationRequest& request) {
  if (request.tool_choice != "required" && request.tool_choice != "function") return "";
  std::string declared = request.tools_json;
  if (request.tool_choice == "function") {
    // Only the named function's call is allowed: declare it alone to the grammar.
    const nlohmann::json all = nlohmann::json::parse(request.tools_json);
    nlohmann::json one = nlohmann::json::array();
    for (const nlohmann::json& t : all)
      if (t["function"]["name"] == request.forced_tool) one.push_back(t);
    declared = one.dump();
  }
  const gemmakit_tool_params tools = ToolParams(declared);
  return TextOut([&](char* buf, size_t cap, size_t* needed) {
    return gemmakit_tool_call_grammar(model, &tools, buf, cap, needed);
  });
}

std::vector<std::string> ToolCallStops(const gemmakit_model* model) {
  int32_t format = GEMMAKIT_TOOL_FORMAT_GEMMA3;
  Check(gemmakit_model_tool_format(model, &format));
  if (format == GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA) return {"<start_function_response>"};
  return {};
}

CallExtractor::CallExtractor(const gemmakit_model* model) {
  int32_t format = GEMMAKIT_TOOL_FORMAT_GEMMA3;
  Check(gemmakit_model_tool_format(model, &format));
  Check(gemmakit_tool_parser_create(format, &parser_));
}

CallExtractor::~CallExtractor() { gemmakit_tool_parser_free(parser_); }

std::string CallExtractor::Feed(const std::string& text, std::vector<ToolCall>& calls) {
  if (!text.empty()) Check(gemmakit_tool_parser_feed(parser_, text.data(), text.size(), nullptr));
  return Drain(calls);
}

std::string CallExtractor::Finish(const std::string& text, std::vector<ToolCall>& calls) {
  std::string out = Feed(text, calls);
  Check(gemmakit_tool_parser_finish(parser_));
  return out + Drain(calls);
}

std::string CallExtractor::Drain(std::vector<ToolCall>& calls) {
  const gemmakit_tool_call* all = nullptr;
  size_t n = 0;
  const char* text = nullptr;
  Check(gemmakit_tool_parser_calls(parser_, &all, &n, &text));
  for (; calls_sent_ < n; ++calls_sent_) calls.push_back({"", all[calls_sent_].name, all[calls_sent_].arguments_json});
  const std::string whole = text ? text : "";
  // The parser's text only grows: what it holds beyond what was sent is new.
  std::string fresh = whole.size() > text_sent_ ? whole.substr(text_sent_) : "";
  text_sent_ = whole.size();
  return fresh;
}

}  // namespace gemmakit_serve
