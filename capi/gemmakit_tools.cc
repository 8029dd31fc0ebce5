// The C ABI of function calling: tool declarations in, calls out (gemmakit/tools.h does the work).
#include <string>
#include <vector>

#include "capi_internal.h"
#include "gemmakit/generation_stepper.h"
#include "gemmakit.h"
#include "gemmakit/tools.h"
#include "struct_io.h"

using gemmakit::Fail;
using gemmakit::Status;
using gemmakit::ToolCall;
using gemmakit::ToolDeclaration;
using gemmakit::ToolFormat;
namespace capi = gemmakit::capi;

namespace gemmakit::capi {

// The calls found in one output so far, and their C views (pointing into a snapshot kept beside
// them, taken when read after a change: not on every piece of text).
struct ToolCallState {
  explicit ToolCallState(ToolFormat format) : stream(format) {}
  ToolCallStream stream;
  bool pulled = false;  // fed by the steps of a pull generation
  bool stale = true;
  std::vector<ToolCall> calls;
  std::vector<gemmakit_tool_call> views;
  std::string text;

  void Read(const gemmakit_tool_call** out_calls, size_t* n_calls, const char** out_text) {
    if (stale) {
      calls = stream.calls();
      text = stream.text();
      views.clear();
      for (const ToolCall& call : calls) views.push_back({call.name.c_str(), call.arguments_json.c_str()});
      stale = false;
    }
    if (out_calls) *out_calls = views.empty() ? nullptr : views.data();
    if (n_calls) *n_calls = views.size();
    if (out_text) *out_text = text.c_str();
  }
};

}  // namespace gemmakit::capi

struct gemmakit_tool_parser {
  mutable capi::ToolCallState state;
};

namespace {

gemmakit_tool_params DefaultToolParams() {
  gemmakit_tool_params p{};
  p.struct_size = sizeof p;
  p.format = GEMMAKIT_TOOL_FORMAT_AUTO;
  return p;
}

std::vector<ToolDeclaration> ToDeclarations(const gemmakit_tool_params& p) {
  if (p.n_tools > 0 && p.tools == nullptr) Fail(Status::kInvalidArgument, "tools is NULL but n_tools is not 0");
  std::vector<ToolDeclaration> out;
  const size_t stride = p.n_tools > 0 ? p.tools[0].struct_size : 0;
  for (size_t i = 0; i < p.n_tools; ++i) {
    const std::string what = "tool " + std::to_string(i);
    if (stride < sizeof(uint32_t) || stride > (1u << 16)) Fail(Status::kInvalidArgument, what + ": struct_size is not set");
    const auto* raw = reinterpret_cast<const gemmakit_tool*>(reinterpret_cast<const unsigned char*>(p.tools) + i * stride);
    if (raw->struct_size != stride) Fail(Status::kInvalidArgument, what + ": struct_size differs from the first tool's");
    const gemmakit_tool t = capi::ReadParams(raw, gemmakit_tool{}, what.c_str());
    if (t.name == nullptr) Fail(Status::kInvalidArgument, what + ": name is NULL");
    out.push_back({t.name, t.description ? t.description : "", t.parameters_json ? t.parameters_json : ""});
  }
  if (p.tools_json) {
    for (ToolDeclaration& t : gemmakit::ParseToolDeclarations(p.tools_json)) out.push_back(std::move(t));
  }
  return out;
}

ToolFormat ToFormat(int32_t format, const gemmakit_model* model) {
  const auto f = static_cast<ToolFormat>(format);
  if (f == ToolFormat::kAuto && model == nullptr) Fail(Status::kInvalidArgument, "tools: format AUTO needs a model");
  return gemmakit::ResolveToolFormat(f, model ? &model->model->tokenizer() : nullptr);
}

// The prompt and options of a chat with tools on s (which restarts from the rendered
// conversation: Generate puts <bos> first): each piece of generated text also goes to a fresh
// s.tool_calls, and each call it completes to the caller's on_call.
std::string PrepareToolChat(gemmakit_session& s, const gemmakit_chat_message* messages, size_t n_messages,
                            const gemmakit_tool_params* tools, const gemmakit_generate_params* params,
                            gemmakit::GenerateOptions* o) {
  const gemmakit_tool_params p = capi::ReadParams(tools, DefaultToolParams(), "tool params");
  const ToolFormat format = gemmakit::ResolveToolFormat(static_cast<ToolFormat>(p.format), &s.session->model().tokenizer());
  *o = capi::ToGenerateOptions(params, s.session->model());
  std::string prompt = gemmakit::FormatToolChat(capi::ToMessages(messages, n_messages), ToDeclarations(p), format,
                                                /*add_generation_prompt=*/true);
  if (prompt.rfind("<bos>", 0) == 0) prompt.erase(0, 5);
  if (format == ToolFormat::kFunctionGemma) o->stop.emplace_back("<start_function_response>");
  auto state = std::make_shared<capi::ToolCallState>(format);
  o->on_text = [state, caller_text = std::move(o->on_text), on_call = p.on_call,
                user_data = p.user_data](std::string_view text) {
    if (caller_text && !caller_text(text)) return false;
    const std::vector<ToolCall> found = state->stream.Feed(text);
    state->stale = true;
    for (const ToolCall& call : found) {
      const gemmakit_tool_call view{call.name.c_str(), call.arguments_json.c_str()};
      if (on_call && on_call(&view, user_data) != 0) return false;
    }
    return true;
  };
  s.tool_calls = std::move(state);
  s.session->Reset();
  return prompt;
}

}  // namespace

extern "C" {

gemmakit_status gemmakit_tool_params_init(gemmakit_tool_params* params, size_t struct_size) {
  return capi::Guard([&] { capi::InitParams(params, struct_size, DefaultToolParams(), "tool params"); });
}

gemmakit_status gemmakit_model_tool_format(const gemmakit_model* model, int32_t* format) {
  return capi::Guard([&] {
    capi::Need(format, "format") =
        static_cast<int32_t>(gemmakit::DetectToolFormat(capi::Need(model, "model").model->tokenizer()));
  });
}

gemmakit_status gemmakit_apply_chat_template_tools(const gemmakit_model* model, const gemmakit_chat_message* messages,
                                                   size_t n_messages, const gemmakit_tool_params* tools,
                                                   int32_t add_generation_prompt, char* buf, size_t capacity,
                                                   size_t* needed) {
  return capi::Guard([&] {
    const gemmakit_tool_params p = capi::ReadParams(tools, DefaultToolParams(), "tool params");
    const ToolFormat format = ToFormat(p.format, model);
    capi::CopyOut(gemmakit::FormatToolChat(capi::ToMessages(messages, n_messages), ToDeclarations(p), format,
                                     add_generation_prompt != 0),
            buf, capacity, needed);
  });
}

gemmakit_status gemmakit_session_chat_tools(gemmakit_session* session, const gemmakit_chat_message* messages,
                                            size_t n_messages, const gemmakit_tool_params* tools,
                                            const gemmakit_generate_params* params, gemmakit_generation* result) {
  return capi::Guard([&] {
    gemmakit_session& s = capi::Need(session, "session");
    capi::CheckResult(result);
    gemmakit::GenerateOptions o;
    const std::string prompt = PrepareToolChat(s, messages, n_messages, tools, params, &o);
    const gemmakit::GenerateResult r = s.session->Generate(prompt, o);
    s.tool_calls->stream.Finish();
    s.tool_calls->stale = true;
    capi::Report(s, r, result);
  });
}

gemmakit_status gemmakit_session_begin_chat_tools(gemmakit_session* session, const gemmakit_chat_message* messages,
                                                  size_t n_messages, const gemmakit_tool_params* tools,
                                                  const gemmakit_generate_params* params) {
  return capi::Guard([&] {
    gemmakit_session& s = capi::Need(session, "session");
    gemmakit::GenerateOptions o;
    s.stepper.reset();
    const std::string prompt = PrepareToolChat(s, messages, n_messages, tools, params, &o);
    s.tool_calls->pulled = true;
    s.stepper = gemmakit::GenerationStepper::BeginGenerate(*s.session, prompt, o);
  });
}

gemmakit_status gemmakit_session_tool_calls(const gemmakit_session* session, const gemmakit_tool_call** calls,
                                            size_t* n_calls, const char** text) {
  return capi::Guard([&] {
    const gemmakit_session& s = capi::Need(session, "session");
    if (!s.tool_calls) Fail(Status::kInvalidArgument, "no calls: the session's last call was not a chat with tools");
    gemmakit::capi::ToolCallState& state = *s.tool_calls;
    if (state.pulled && s.stepper && s.stepper->finished()) {
      state.stream.Finish();  // an unfinished call at the end is text
      state.stale = true;
    }
    state.Read(calls, n_calls, text);
  });
}

gemmakit_status gemmakit_tool_parser_create(int32_t format, gemmakit_tool_parser** out) {
  return capi::Guard([&] {
    gemmakit_tool_parser*& result = capi::Need(out, "out");
    result = nullptr;
    result = new gemmakit_tool_parser{capi::ToolCallState(static_cast<ToolFormat>(format))};
  });
}

void gemmakit_tool_parser_free(gemmakit_tool_parser* parser) { delete parser; }

gemmakit_status gemmakit_tool_parser_feed(gemmakit_tool_parser* parser, const char* text, size_t len, size_t* n_new) {
  return capi::Guard([&] {
    gemmakit_tool_parser& p = capi::Need(parser, "parser");
    if (text == nullptr && len > 0) Fail(Status::kInvalidArgument, "text is NULL");
    const size_t n = p.state.stream.Feed(std::string_view(text ? text : "", len)).size();
    p.state.stale = true;
    if (n_new) *n_new = n;
  });
}

gemmakit_status gemmakit_tool_parser_finish(gemmakit_tool_parser* parser) {
  return capi::Guard([&] {
    gemmakit_tool_parser& p = capi::Need(parser, "parser");
    p.state.stream.Finish();
    p.state.stale = true;
  });
}

gemmakit_status gemmakit_tool_parser_calls(const gemmakit_tool_parser* parser, const gemmakit_tool_call** calls,
                                           size_t* n_calls, const char** text) {
  return capi::Guard([&] {
    capi::Need(parser, "parser").state.Read(calls, n_calls, text);
  });
}

gemmakit_status gemmakit_tool_call_grammar(const gemmakit_model* model, const gemmakit_tool_params* tools, char* buf,
                                           size_t capacity, size_t* needed) {
  return capi::Guard([&] {
    const gemmakit_tool_params p = capi::ReadParams(tools, DefaultToolParams(), "tool params");
    capi::CopyOut(gemmakit::ToolCallGrammar(ToDeclarations(p), ToFormat(p.format, model)), buf, capacity, needed);
  });
}

gemmakit_status gemmakit_format_tool_calls(const gemmakit_model* model, int32_t format, const gemmakit_tool_call* calls,
                                           size_t n_calls, char* buf, size_t capacity, size_t* needed) {
  return capi::Guard([&] {
    if (n_calls > 0 && calls == nullptr) Fail(Status::kInvalidArgument, "calls is NULL but n_calls is not 0");
    std::vector<ToolCall> list;
    for (size_t i = 0; i < n_calls; ++i) {
      if (calls[i].name == nullptr) Fail(Status::kInvalidArgument, "call " + std::to_string(i) + ": name is NULL");
      list.push_back({calls[i].name, calls[i].arguments_json ? calls[i].arguments_json : ""});
    }
    capi::CopyOut(gemmakit::FormatToolCalls(list, ToFormat(format, model)), buf, capacity, needed);
  });
}

}  // extern "C"
