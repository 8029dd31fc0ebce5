// Function calling through the C ABI: rendering, the streaming parser handle, and a round trip of
// chat with tools on the tiny Gemma 3 checkpoint.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gemmakit.h"
#include "test_util.h"

namespace {

const char kParams[] = R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})";

gemmakit_tool WeatherTool() {
  gemmakit_tool t{};
  t.struct_size = sizeof t;
  t.name = "get_weather";
  t.description = "Weather of a city";
  t.parameters_json = kParams;
  return t;
}

std::string Render(const gemmakit_model* model, const std::vector<gemmakit_chat_message>& messages,
                   const gemmakit_tool_params& tools, gemmakit_status* status) {
  size_t needed = 0;
  *status = gemmakit_apply_chat_template_tools(model, messages.data(), messages.size(), &tools, 1, nullptr, 0, &needed);
  if (*status != GEMMAKIT_ERR_BUFFER_TOO_SMALL) return "";
  std::string out(needed, '\0');
  *status = gemmakit_apply_chat_template_tools(model, messages.data(), messages.size(), &tools, 1, out.data(), needed,
                                               &needed);
  out.resize(needed - 1);
  return out;
}

TEST(ToolsCapi, RendersBothFormatsAndRefusesBadInput) {
  const gemmakit_tool tool = WeatherTool();
  gemmakit_tool_params p;
  ASSERT_EQ(gemmakit_tool_params_init(&p, sizeof p), GEMMAKIT_OK);
  EXPECT_EQ(p.format, GEMMAKIT_TOOL_FORMAT_AUTO);
  p.tools = &tool;
  p.n_tools = 1;
  const std::vector<gemmakit_chat_message> messages = {{"user", "Weather in Oslo?"}};
  gemmakit_status st;
  // AUTO needs a model to look at.
  EXPECT_EQ(Render(nullptr, messages, p, &st), "");
  EXPECT_EQ(st, GEMMAKIT_ERR_INVALID_ARGUMENT);

  p.format = GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA;
  const std::string fg = Render(nullptr, messages, p, &st);
  ASSERT_EQ(st, GEMMAKIT_OK) << gemmakit_last_error();
  EXPECT_EQ(fg, "<bos><start_of_turn>developer\n<start_function_declaration>declaration:get_weather{description:"
                "<escape>Weather of a city<escape>,parameters:{properties:{city:{type:<escape>STRING<escape>}},"
                "required:[<escape>city<escape>],type:<escape>OBJECT<escape>}}<end_function_declaration><end_of_turn>\n"
                "<start_of_turn>user\nWeather in Oslo?<end_of_turn>\n<start_of_turn>model\n");
  p.format = GEMMAKIT_TOOL_FORMAT_GEMMA3;
  const std::string g3 = Render(nullptr, messages, p, &st);
  ASSERT_EQ(st, GEMMAKIT_OK);
  EXPECT_NE(g3.find("\"name\": \"get_weather\""), std::string::npos);

  gemmakit_tool bad = tool;
  bad.parameters_json = "{\"type\": ";
  p.tools = &bad;
  Render(nullptr, messages, p, &st);
  EXPECT_EQ(st, GEMMAKIT_ERR_INVALID_ARGUMENT);
  bad = tool;
  bad.name = nullptr;
  Render(nullptr, messages, p, &st);
  EXPECT_EQ(st, GEMMAKIT_ERR_INVALID_ARGUMENT);
  bad = tool;
  bad.struct_size = 0;
  Render(nullptr, messages, p, &st);
  EXPECT_EQ(st, GEMMAKIT_ERR_INVALID_ARGUMENT);
  p.tools = nullptr;
  Render(nullptr, messages, p, &st);
  EXPECT_EQ(st, GEMMAKIT_ERR_INVALID_ARGUMENT);
}

TEST(ToolsCapi, ParserHandleStreamsCalls) {
  gemmakit_tool_parser* parser = nullptr;
  EXPECT_EQ(gemmakit_tool_parser_create(GEMMAKIT_TOOL_FORMAT_AUTO, &parser), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(parser, nullptr);
  ASSERT_EQ(gemmakit_tool_parser_create(GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA, &parser), GEMMAKIT_OK);
  const std::string out =
      "<start_function_call>call:get_weather{city:<escape>Oslo<escape>}<end_function_call>and "
      "<start_function_call>call:broken{";
  size_t total = 0, n_new = 0;
  for (size_t i = 0; i < out.size(); i += 7) {
    const std::string piece = out.substr(i, 7);
    ASSERT_EQ(gemmakit_tool_parser_feed(parser, piece.data(), piece.size(), &n_new), GEMMAKIT_OK);
    total += n_new;
  }
  EXPECT_EQ(total, 1u);
  ASSERT_EQ(gemmakit_tool_parser_finish(parser), GEMMAKIT_OK);
  const gemmakit_tool_call* calls = nullptr;
  size_t n = 0;
  const char* text = nullptr;
  ASSERT_EQ(gemmakit_tool_parser_calls(parser, &calls, &n, &text), GEMMAKIT_OK);
  ASSERT_EQ(n, 1u);
  EXPECT_STREQ(calls[0].name, "get_weather");
  EXPECT_STREQ(calls[0].arguments_json, "{\"city\":\"Oslo\"}");
  EXPECT_STREQ(text, "and <start_function_call>call:broken{");
  EXPECT_EQ(gemmakit_tool_parser_feed(parser, nullptr, 3, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_tool_parser_free(parser);
  gemmakit_tool_parser_free(nullptr);
}

struct CallLog {
  std::vector<std::string> names;
  std::string text;
};

int32_t OnCall(const gemmakit_tool_call* call, void* user) {
  static_cast<CallLog*>(user)->names.push_back(call->name);
  return 0;
}

int32_t OnText(const char* text, size_t len, void* user) {
  static_cast<CallLog*>(user)->text.append(text, len);
  return 0;
}

// A whole tool round on the tiny checkpoint: chat with tools, read the calls, give a result back
// as a tool message, chat again. Random weights call no tool; what is checked is that the prompt
// the model saw is the rendering, that the streamed text and the calls partition the output, and
// that the result turn is accepted and generated from.
TEST(ToolsCapi, ChatWithToolsRoundTripOnTinyModel) {
  gemmakit_model* model = nullptr;
  ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma3-tiny").c_str(), nullptr, &model), GEMMAKIT_OK);
  int32_t format = -1;
  ASSERT_EQ(gemmakit_model_tool_format(model, &format), GEMMAKIT_OK);
  EXPECT_EQ(format, GEMMAKIT_TOOL_FORMAT_GEMMA3);  // Gemma 3's vocabulary has no function tokens
  gemmakit_session* session = nullptr;
  ASSERT_EQ(gemmakit_session_create(model, nullptr, &session), GEMMAKIT_OK);
  const gemmakit_tool_call* calls = nullptr;
  size_t n_calls = 0;
  const char* rest = nullptr;
  EXPECT_EQ(gemmakit_session_tool_calls(session, &calls, &n_calls, &rest), GEMMAKIT_ERR_INVALID_ARGUMENT);

  const gemmakit_tool tool = WeatherTool();
  CallLog log;
  gemmakit_tool_params tp;
  gemmakit_tool_params_init(&tp, sizeof tp);
  tp.tools = &tool;
  tp.n_tools = 1;
  tp.on_call = OnCall;
  tp.user_data = &log;
  gemmakit_sampling_params sp;
  gemmakit_sampling_params_init(&sp, sizeof sp);
  sp.temperature = 0;
  gemmakit_generate_params gp;
  gemmakit_generate_params_init(&gp, sizeof gp);
  gp.max_tokens = 12;
  gp.sampling = &sp;
  gp.on_text = OnText;
  gp.user_data = &log;
  gemmakit_generation result{};
  result.struct_size = sizeof result;
  std::vector<gemmakit_chat_message> conversation = {{"user", "Weather in Oslo?"}};
  ASSERT_EQ(gemmakit_session_chat_tools(session, conversation.data(), conversation.size(), &tp, &gp, &result),
            GEMMAKIT_OK)
      << gemmakit_last_error();
  EXPECT_GT(result.n_tokens, 0);
  ASSERT_EQ(gemmakit_session_tool_calls(session, &calls, &n_calls, &rest), GEMMAKIT_OK);
  EXPECT_EQ(n_calls, log.names.size());
  EXPECT_EQ(log.text, std::string(result.text, result.text_len));
  if (n_calls == 0) {
    EXPECT_EQ(std::string(rest), log.text);
  }

  // Pulled step by step, the same output and calls; each step's calls so far are a prefix of them.
  const std::string pushed_text(result.text, result.text_len);
  const size_t pushed_calls = n_calls;
  CallLog pulled;
  tp.user_data = &pulled;
  gp.user_data = &pulled;
  ASSERT_EQ(gemmakit_session_begin_chat_tools(session, conversation.data(), conversation.size(), &tp, &gp), GEMMAKIT_OK)
      << gemmakit_last_error();
  gemmakit_chunk chunk{};
  chunk.struct_size = sizeof chunk;
  std::string stepped;
  size_t last_count = 0;
  do {
    ASSERT_EQ(gemmakit_session_step(session, 1, 0.0, &chunk), GEMMAKIT_OK) << gemmakit_last_error();
    stepped.append(chunk.text, chunk.text_len);
    ASSERT_EQ(gemmakit_session_tool_calls(session, &calls, &n_calls, &rest), GEMMAKIT_OK);
    EXPECT_GE(n_calls, last_count);
    last_count = n_calls;
  } while (!chunk.finished);
  EXPECT_EQ(stepped, pushed_text);
  EXPECT_EQ(pulled.text, pushed_text);
  EXPECT_EQ(n_calls, pushed_calls);
  EXPECT_EQ(pulled.names.size(), pushed_calls);
  if (n_calls == 0) {
    EXPECT_EQ(std::string(rest), pushed_text);
  }

  // The session holds exactly the rendered prompt (the generated reply after it).
  gemmakit_status st = GEMMAKIT_OK;
  const std::string prompt = Render(model, conversation, tp, &st);
  ASSERT_EQ(st, GEMMAKIT_OK);
  std::vector<int32_t> ids(prompt.size() + 8);
  size_t n_ids = 0;
  ASSERT_EQ(gemmakit_tokenize(model, prompt.data(), prompt.size(), GEMMAKIT_TOKENIZE_PARSE_SPECIAL, ids.data(),
                              ids.size(), &n_ids),
            GEMMAKIT_OK);
  int64_t n_past = 0;
  gemmakit_session_n_past(session, &n_past);
  EXPECT_GE(n_past, static_cast<int64_t>(n_ids));
  EXPECT_LE(n_past, static_cast<int64_t>(n_ids) + result.n_tokens);

  // The result goes back as a tool message after the model's call.
  const std::string reply = "[get_weather(city=\"Oslo\")]";
  conversation.push_back({"assistant", reply.c_str()});
  conversation.push_back({"tool", "{\"temperature\": 3}"});
  log = {};
  tp.user_data = &log;  // the pulled run above pointed the callbacks elsewhere
  gp.user_data = &log;
  ASSERT_EQ(gemmakit_session_chat_tools(session, conversation.data(), conversation.size(), &tp, &gp, &result),
            GEMMAKIT_OK)
      << gemmakit_last_error();
  EXPECT_GT(result.n_tokens, 0);
  EXPECT_EQ(log.text, std::string(result.text, result.text_len));
  gemmakit_session_free(session);
  gemmakit_model_free(model);
}

// What a server needs to take OpenAI clients' calls back and to force one: calls written in each
// format parse back to the same calls; the grammar of a forced call names the declared functions.
TEST(ToolsCapi, CallsWrittenAsTheModelWritesThemParseBack) {
  const char* args = R"({"city":"Paris","metric":true,"note":null,"days":[1,2.5],"where":{"lat":48.8}})";
  const gemmakit_tool_call calls[] = {{"get_weather", args}, {"get_time", "{}"}};
  for (int32_t format : {GEMMAKIT_TOOL_FORMAT_GEMMA3, GEMMAKIT_TOOL_FORMAT_FUNCTIONGEMMA}) {
    size_t needed = 0;
    ASSERT_EQ(gemmakit_format_tool_calls(nullptr, format, calls, 2, nullptr, 0, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
    std::string text(needed, '\0');
    ASSERT_EQ(gemmakit_format_tool_calls(nullptr, format, calls, 2, text.data(), needed, &needed), GEMMAKIT_OK)
        << gemmakit_last_error();
    text.resize(needed - 1);
    gemmakit_tool_parser* parser = nullptr;
    ASSERT_EQ(gemmakit_tool_parser_create(format, &parser), GEMMAKIT_OK);
    ASSERT_EQ(gemmakit_tool_parser_feed(parser, text.data(), text.size(), nullptr), GEMMAKIT_OK);
    ASSERT_EQ(gemmakit_tool_parser_finish(parser), GEMMAKIT_OK);
    const gemmakit_tool_call* got = nullptr;
    size_t n = 0;
    const char* rest = nullptr;
    ASSERT_EQ(gemmakit_tool_parser_calls(parser, &got, &n, &rest), GEMMAKIT_OK);
    ASSERT_EQ(n, 2u) << text;
    EXPECT_STREQ(got[0].name, "get_weather");
    EXPECT_STREQ(got[0].arguments_json, args) << text;
    EXPECT_STREQ(got[1].name, "get_time");
    EXPECT_STREQ(got[1].arguments_json, "{}");
    EXPECT_STREQ(rest, "");
    gemmakit_tool_parser_free(parser);
  }
  const gemmakit_tool_call bad[] = {{"f", "[1]"}};
  size_t needed = 0;
  EXPECT_EQ(gemmakit_format_tool_calls(nullptr, GEMMAKIT_TOOL_FORMAT_GEMMA3, bad, 1, nullptr, 0, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_format_tool_calls(nullptr, GEMMAKIT_TOOL_FORMAT_GEMMA3, nullptr, 1, nullptr, 0, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_format_tool_calls(nullptr, GEMMAKIT_TOOL_FORMAT_AUTO, calls, 1, nullptr, 0, &needed),
            GEMMAKIT_ERR_INVALID_ARGUMENT);  // AUTO needs a model

  const gemmakit_tool tool = WeatherTool();
  gemmakit_tool_params p;
  ASSERT_EQ(gemmakit_tool_params_init(&p, sizeof p), GEMMAKIT_OK);
  p.format = GEMMAKIT_TOOL_FORMAT_GEMMA3;
  EXPECT_EQ(gemmakit_tool_call_grammar(nullptr, &p, nullptr, 0, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);  // no tools
  p.tools = &tool;
  p.n_tools = 1;
  ASSERT_EQ(gemmakit_tool_call_grammar(nullptr, &p, nullptr, 0, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  std::string grammar(needed, '\0');
  ASSERT_EQ(gemmakit_tool_call_grammar(nullptr, &p, grammar.data(), needed, &needed), GEMMAKIT_OK);
  // The call's arguments follow the parameter schema: city=, a string, required.
  EXPECT_NE(grammar.find("tool-call ::= \"get_weather\" "), std::string::npos) << grammar;
  EXPECT_NE(grammar.find("\"city=\" string"), std::string::npos) << grammar;
  // A schema the converter refuses is refused here too, with the path named.
  const gemmakit_tool bounded{sizeof(gemmakit_tool), "f", "",
                              R"({"type":"object","properties":{"n":{"type":"integer","minimum":1}}})"};
  p.tools = &bounded;
  EXPECT_EQ(gemmakit_tool_call_grammar(nullptr, &p, nullptr, 0, &needed), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("/properties/n"), std::string::npos) << gemmakit_last_error();
}

}  // namespace
