// gemmakit-serve's structured output without HTTP: response_format and tools mapped from request
// bodies, the tools prompt (past calls written back in the model's notation, tool results), calls
// found in streamed text, and tool_calls in response bodies and chunks.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "openai_request.h"
#include "openai_response.h"
#include "tool_calls.h"

namespace gemmakit_serve {
namespace {

using nlohmann::json;

struct ModelDeleter {
  void operator()(gemmakit_model* m) const { gemmakit_model_free(m); }
};

std::unique_ptr<gemmakit_model, ModelDeleter> LoadMini() {
  gemmakit_model* m = nullptr;
  EXPECT_EQ(gemmakit_model_load(GEMMAKIT_TEST_DATA "/gemma3-mini", nullptr, &m), GEMMAKIT_OK) << gemmakit_last_error();
  return std::unique_ptr<gemmakit_model, ModelDeleter>(m);
}

const char kWeather[] =
    R"({"type":"function","function":{"name":"get_weather","description":"Weather in a city",)"
    R"("parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}})";

std::string Chat(const std::string& extra) {
  return R"({"model":"m","messages":[{"role":"user","content":"x"}])" + extra + "}";
}

std::string ErrorOf(const std::string& body) {
  try {
    ParseChatRequest(body, "m");
  } catch (const ApiError& e) {
    return std::to_string(e.status) + " " + e.code + " " + e.param;
  }
  return "accepted";
}

TEST(ServeConstraints, MapsResponseFormat) {
  EXPECT_TRUE(ParseChatRequest(Chat(R"(,"response_format":{"type":"json_object"})"), "m").generation.json_mode);
  const ParsedRequest s = ParseChatRequest(
      Chat(R"(,"response_format":{"type":"json_schema","json_schema":{"name":"p","strict":true,
           "schema":{"type":"object","properties":{"a":{"type":"integer"}}}}})"),
      "m");
  EXPECT_EQ(json::parse(s.generation.json_schema), json::parse(R"({"type":"object","properties":{"a":{"type":"integer"}}})"));
  EXPECT_FALSE(s.generation.json_mode);
  const ParsedRequest text = ParseChatRequest(Chat(R"(,"response_format":{"type":"text"})"), "m");
  EXPECT_TRUE(text.generation.json_schema.empty());
  EXPECT_FALSE(text.generation.json_mode);
  EXPECT_EQ(ErrorOf(Chat(R"(,"response_format":{"type":"json_schema","json_schema":{"name":"p","schema":[1]}})")),
            "400 invalid_type response_format");
  EXPECT_EQ(ErrorOf(Chat(R"(,"response_format":{"type":"json_schema"})")), "400 invalid_type response_format");
  EXPECT_EQ(ErrorOf(Chat(R"(,"response_format":"json")")), "400 invalid_type response_format");
}

TEST(ServeConstraints, MapsToolsAndToolChoice) {
  const std::string tools = std::string(R"(,"tools":[)") + kWeather + "]";
  const ParsedRequest a = ParseChatRequest(Chat(tools), "m");
  EXPECT_EQ(a.generation.tool_choice, "auto");
  EXPECT_TRUE(a.generation.parses_calls());
  EXPECT_EQ(json::parse(a.generation.tools_json)[0]["function"]["name"], "get_weather");
  const ParsedRequest named =
      ParseChatRequest(Chat(tools + R"(,"tool_choice":{"type":"function","function":{"name":"get_weather"}})"), "m");
  EXPECT_EQ(named.generation.tool_choice, "function");
  EXPECT_EQ(named.generation.forced_tool, "get_weather");
  EXPECT_FALSE(ParseChatRequest(Chat(tools + R"(,"tool_choice":"none")"), "m").generation.parses_calls());
  EXPECT_EQ(ErrorOf(Chat(tools + R"(,"tool_choice":{"type":"function","function":{"name":"nope"}})")),
            "400 invalid_value tool_choice");
  EXPECT_EQ(ErrorOf(Chat(R"(,"tool_choice":"required")")), "400 invalid_value tool_choice");
  EXPECT_EQ(ErrorOf(Chat(tools + R"(,"tool_choice":"sometimes")")), "400 invalid_value tool_choice");
  EXPECT_EQ(ErrorOf(Chat(R"(,"tools":[{"type":"retrieval"}])")), "400 invalid_value tools");
  EXPECT_EQ(ErrorOf(Chat(R"(,"tools":[{"type":"function","function":{"name":"f","parameters":3}}])")),
            "400 invalid_type tools");
  EXPECT_EQ(ErrorOf(Chat(tools + R"(,"tool_choice":"required","response_format":{"type":"json_object"})")),
            "400 invalid_value response_format");
  EXPECT_EQ(ErrorOf(R"({"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1",
                "type":"function","function":{"name":"f","arguments":"[1]"}}]}]})"),
            "400 invalid_value messages");
}

// The conversation of OpenAI's function-calling guide: a call the model made, its result, and the
// question after it, rendered for Gemma 3 by the tools template.
TEST(ServeToolPrompt, WritesPastCallsBackAndResultsAsToolOutput) {
  auto model = LoadMini();
  ASSERT_TRUE(model);
  const ParsedRequest p = ParseChatRequest(std::string(R"({"model":"m","tools":[)") + kWeather + R"(],"messages":[
      {"role":"user","content":"Weather in Paris?"},
      {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
        "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"metric\":true,\"days\":[1,2]}"}}]},
      {"role":"tool","tool_call_id":"call_1","content":"{\"celsius\":21}"}]})",
                                           "m");
  const std::string prompt = RenderToolPrompt(model.get(), p.generation);
  EXPECT_EQ(prompt.rfind("<bos>", 0), 0u) << prompt;
  EXPECT_NE(prompt.find("\"name\": \"get_weather\""), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("[get_weather(city=\"Paris\", metric=True, days=[1, 2])]"), std::string::npos) << prompt;
  EXPECT_NE(prompt.find("```tool_output\n{\"celsius\":21}"), std::string::npos) << prompt;
  const std::string tail = "<start_of_turn>model\n";
  EXPECT_EQ(prompt.substr(prompt.size() - tail.size()), tail);
}

TEST(ServeToolPrompt, ForcedCallGrammarNamesOnlyTheChosenFunction) {
  auto model = LoadMini();
  ASSERT_TRUE(model);
  const std::string tools = std::string(R"(,"tools":[)") + kWeather +
                            R"(,{"type":"function","function":{"name":"get_time","parameters":{}}}])";
  EXPECT_EQ(ForcedCallGrammar(model.get(), ParseChatRequest(Chat(tools), "m").generation), "");
  const std::string any =
      ForcedCallGrammar(model.get(), ParseChatRequest(Chat(tools + R"(,"tool_choice":"required")"), "m").generation);
  EXPECT_NE(any.find("\"get_weather\" "), std::string::npos) << any;
  EXPECT_NE(any.find("\"city=\" string"), std::string::npos) << any;  // the arguments follow the schema
  EXPECT_NE(any.find("\"get_time\" "), std::string::npos) << any;
  EXPECT_NE(any.find(" ::= \"(\" \")\"\n"), std::string::npos) << any;  // no parameters: no arguments
  const std::string one = ForcedCallGrammar(
      model.get(),
      ParseChatRequest(Chat(tools + R"(,"tool_choice":{"type":"function","function":{"name":"get_time"}})"), "m")
          .generation);
  EXPECT_NE(one.find("tool-call ::= \"get_time\" "), std::string::npos) << one;
  EXPECT_EQ(one.find("get_weather"), std::string::npos) << one;
}

TEST(ServeCallExtractor, HoldsBackCallsAndPassesTextOn) {
  auto model = LoadMini();
  ASSERT_TRUE(model);
  CallExtractor x(model.get());
  std::vector<ToolCall> calls;
  std::string text;
  for (const char* piece : {"Let me check. [get_wea", "ther(city=\"Par", "is\", days=2)]"}) text += x.Feed(piece, calls);
  text += x.Finish("", calls);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].name, "get_weather");
  EXPECT_EQ(json::parse(calls[0].arguments), json::parse(R"({"city":"Paris","days":2})"));
  EXPECT_TRUE(x.found_calls());
  EXPECT_EQ(text.find("get_weather"), std::string::npos) << text;
  EXPECT_NE(text.find("Let me check."), std::string::npos) << text;
}

TEST(ServeToolResponse, BodyAndChunksCarryToolCalls) {
  const ParsedRequest p = ParseChatRequest(Chat(std::string(R"(,"tools":[)") + kWeather + "]"), "m");
  Event call(Event::kDelta);
  call.tool_calls.push_back({"", "get_weather", R"({"city":"Paris"})"});
  Event done(Event::kChoiceDone);
  done.finish_reason = "tool_calls";

  ResponseWriter collected(p, true);
  collected.Collect(call);
  collected.Collect(done);
  collected.Collect(Event(Event::kDone));
  const json body = json::parse(collected.Body());
  const json& message = body["choices"][0]["message"];
  EXPECT_TRUE(message["content"].is_null());
  ASSERT_EQ(message["tool_calls"].size(), 1u);
  EXPECT_EQ(message["tool_calls"][0]["type"], "function");
  EXPECT_EQ(message["tool_calls"][0]["function"]["name"], "get_weather");
  EXPECT_EQ(message["tool_calls"][0]["function"]["arguments"], R"({"city":"Paris"})");
  EXPECT_EQ(message["tool_calls"][0]["id"].get<std::string>().rfind("call_", 0), 0u);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "tool_calls");

  ResponseWriter streamed(p, true);
  const std::string sse = streamed.Stream(call);
  const json delta = json::parse(sse.substr(6))["choices"][0]["delta"];
  EXPECT_FALSE(delta.contains("content"));
  EXPECT_EQ(delta["tool_calls"][0]["index"], 0);
  EXPECT_EQ(delta["tool_calls"][0]["function"]["name"], "get_weather");
}

}  // namespace
}  // namespace gemmakit_serve
