// Tools rendered into the prompt: Gemma 3 against Google's documented example prompt, FunctionGemma
// against the control-token notation Google documents.
#include <gtest/gtest.h>

#include "gemmakit/status.h"
#include "gemmakit/tools.h"
#include "test_util.h"

namespace gemmakit {
namespace {

const ToolDeclaration kProductTool{
    "get_product_name_by_PID", "Finds the name of a product by its Product ID",
    R"({"type": "object", "properties": {"PID": {"type": "string"}}, "required": ["PID"]})"};

const ToolDeclaration kWeatherTool{
    "get_current_weather", "Gets the current weather in a given location.",
    R"({"type": "object", "properties": {
         "unit": {"type": "string", "description": "The unit to return the temperature in.",
                  "enum": ["celsius", "fahrenheit"]},
         "location": {"type": "string", "description": "The city and state, e.g. \"San Francisco, CA\" or \"Tokyo, JP\""}},
       "required": ["location"]})"};

TEST(ToolPrompt, Gemma3MatchesGooglesDocumentedPrompt) {
  const std::string doc = test::ReadFile(test::DataPath("tools/gemma3_function_calling_doc.txt"));
  const std::string question =
      "While browsing the product catalog, I came across a product that piqued my\ninterest. The product ID is "
      "807ZPKBL9V. Can you help me find the name of this\nproduct?";
  const std::string got = FormatToolChat({{"user", question}}, {kProductTool}, ToolFormat::kGemma3, true);
  // The doc's file ends with a newline; the turn's content is trimmed.
  EXPECT_EQ(got, "<bos><start_of_turn>user\n" + doc.substr(0, doc.size() - 1) + "<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ToolPrompt, Gemma3SystemComesFirstAndResultsAreToolOutputBlocks) {
  const std::vector<ChatMessage> conversation = {
      {"system", "Be brief."},
      {"user", "Name of 807ZPKBL9V?"},
      {"assistant", "[get_product_name_by_PID(PID=\"807ZPKBL9V\")]"},
      {"tool", R"({"name": "Hat"})"},
      {"tool", "second result"},
  };
  const std::string got = FormatToolChat(conversation, {kProductTool}, ToolFormat::kGemma3, true);
  const std::string list = Gemma3FunctionList({kProductTool});
  EXPECT_EQ(got, "<bos><start_of_turn>user\nBe brief.\n\nYou have access to functions. If you decide to invoke any of "
                 "the function(s),\nyou MUST put it in the format of\n[func_name1(params_name1=params_value1, "
                 "params_name2=params_value2...), func_name2(params)]\nYou SHOULD NOT include any other text in the "
                 "response if you call a function\n" +
                     list +
                     "\nName of 807ZPKBL9V?<end_of_turn>\n<start_of_turn>model\n[get_product_name_by_PID(PID="
                     "\"807ZPKBL9V\")]<end_of_turn>\n<start_of_turn>user\n```tool_output\n{\"name\": \"Hat\"}\n```\n"
                     "```tool_output\nsecond result\n```<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ToolPrompt, Gemma3WithoutToolsIsThePlainChatTemplate) {
  const std::vector<ChatMessage> c = {{"user", "hi"}};
  EXPECT_EQ(FormatToolChat(c, {}, ToolFormat::kGemma3, true), FormatGemmaChat(c, true));
}

TEST(ToolPrompt, FunctionGemmaDeclarationNotation) {
  // Properties in key order, then required, then the type, strings between <escape> tokens.
  EXPECT_EQ(FunctionGemmaDeclaration(kWeatherTool),
            "declaration:get_current_weather{description:<escape>Gets the current weather in a given "
            "location.<escape>,parameters:{properties:{location:{description:<escape>The city and state, e.g. "
            "\"San Francisco, CA\" or \"Tokyo, JP\"<escape>,type:<escape>STRING<escape>},unit:{description:<escape>"
            "The unit to return the temperature in.<escape>,enum:[<escape>celsius<escape>,<escape>fahrenheit<escape>],"
            "type:<escape>STRING<escape>}},required:[<escape>location<escape>],type:<escape>OBJECT<escape>}}");
  EXPECT_EQ(FunctionGemmaDeclaration({"ping", "Ping.", ""}), "declaration:ping{description:<escape>Ping.<escape>}");
  EXPECT_EQ(FunctionGemmaDeclaration({"nested", "N",
                                      R"({"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"}},
                                        "where":{"type":"object","properties":{"lat":{"type":"number"}},"required":["lat"]}}})"}),
            "declaration:nested{description:<escape>N<escape>,parameters:{properties:{tags:{items:{type:<escape>STRING"
            "<escape>},type:<escape>ARRAY<escape>},where:{properties:{lat:{type:<escape>NUMBER<escape>}},required:["
            "<escape>lat<escape>],type:<escape>OBJECT<escape>}},type:<escape>OBJECT<escape>}}");
  EXPECT_EQ(FunctionGemmaValue(R"({"a": "x,y}", "n": -1.5, "ok": true, "z": null, "l": [1, "s"]})"),
            "{a:<escape>x,y}<escape>,n:-1.5,ok:true,z:null,l:[1,<escape>s<escape>]}");
}

TEST(ToolPrompt, FunctionGemmaConversationWithCallAndResponse) {
  const std::vector<ChatMessage> conversation = {
      {"developer", "You are a model that can do function calling with the following functions"},
      {"user", "Weather in Tokyo?"},
      {"assistant", "<start_function_call>call:get_current_weather{location:<escape>Tokyo, JP<escape>}<end_function_call>"},
      {"tool", R"({"temperature": 15, "weather": "sunny"})"},
      {"assistant", "It is sunny, 15 degrees."},
      {"user", "Thanks"},
  };
  const std::string got = FormatToolChat(conversation, {kWeatherTool}, ToolFormat::kFunctionGemma, true);
  EXPECT_EQ(got, "<bos><start_of_turn>developer\nYou are a model that can do function calling with the following "
                 "functions<start_function_declaration>" +
                     FunctionGemmaDeclaration(kWeatherTool) +
                     "<end_function_declaration><end_of_turn>\n<start_of_turn>user\nWeather in Tokyo?<end_of_turn>\n"
                     "<start_of_turn>model\n<start_function_call>call:get_current_weather{location:<escape>Tokyo, JP"
                     "<escape>}<end_function_call><start_function_response>response:get_current_weather{temperature:15,"
                     "weather:<escape>sunny<escape>}<end_function_response>It is sunny, 15 degrees.<end_of_turn>\n"
                     "<start_of_turn>user\nThanks<end_of_turn>\n<start_of_turn>model\n");
  // Right after the responses, the model goes on in its open turn: no new turn header.
  const std::vector<ChatMessage> pending(conversation.begin(), conversation.begin() + 4);
  const std::string open = FormatToolChat(pending, {kWeatherTool}, ToolFormat::kFunctionGemma, true);
  EXPECT_EQ(open.substr(open.size() - 23), "<end_function_response>");
  // A plain-text result is wrapped as {value:...}.
  std::vector<ChatMessage> text_result = pending;
  text_result[3].content = "sunny";
  EXPECT_NE(FormatToolChat(text_result, {kWeatherTool}, ToolFormat::kFunctionGemma, false)
                .find("response:get_current_weather{value:<escape>sunny<escape>}"),
            std::string::npos);
}

TEST(ToolPrompt, RefusesBadToolsAndConversations) {
  const std::vector<ChatMessage> c = {{"user", "hi"}};
  for (ToolFormat f : {ToolFormat::kGemma3, ToolFormat::kFunctionGemma}) {
    EXPECT_THROW(FormatToolChat(c, {{"f", "", "[1, 2]"}}, f, true), Error);
    EXPECT_THROW(FormatToolChat(c, {{"f", "", "{not json"}}, f, true), Error);
    EXPECT_THROW(FormatToolChat(c, {{"", "", ""}}, f, true), Error);
  }
  // A tool result with no call before it.
  EXPECT_THROW(FormatToolChat({{"user", "hi"}, {"tool", "x"}}, {kWeatherTool}, ToolFormat::kFunctionGemma, true), Error);
  EXPECT_THROW(FormatToolChat(c, {}, static_cast<ToolFormat>(7), true), Error);
}

TEST(ToolPrompt, GrammarNamesTheDeclaredFunctions) {
  const std::string g3 = ToolCallGrammar({kProductTool, kWeatherTool}, ToolFormat::kGemma3);
  EXPECT_EQ(g3.rfind("root ::= \"[\" tool-call (\", \" tool-call)* \"]\"\n", 0), 0u) << g3;
  EXPECT_NE(g3.find("tool-call ::= \"get_product_name_by_PID\" "), std::string::npos) << g3;
  EXPECT_NE(g3.find(" | \"get_current_weather\" "), std::string::npos) << g3;
  EXPECT_NE(g3.find("\"PID=\" string"), std::string::npos) << g3;
  const std::string fg = ToolCallGrammar({kWeatherTool}, ToolFormat::kFunctionGemma);
  EXPECT_NE(fg.find("tool-call ::= \"<start_function_call>call:get_current_weather\" "), std::string::npos) << fg;
  EXPECT_NE(fg.find("string ::= \"<escape>\""), std::string::npos) << fg;
  EXPECT_NE(fg.find("\"unit:\""), std::string::npos) << fg;
  EXPECT_THROW(ToolCallGrammar({}, ToolFormat::kGemma3), Error);
}

TEST(ToolPrompt, GrammarCallsFunctionsWithoutParametersWithNoArguments) {
  const ToolDeclaration clock{"get_time", "The time", R"({"type":"object","properties":{}})"};
  const std::string g3 = ToolCallGrammar({kWeatherTool, clock}, ToolFormat::kGemma3);
  EXPECT_NE(g3.find(" | \"get_time\" s-get-time\n"), std::string::npos) << g3;
  EXPECT_NE(g3.find("s-get-time ::= \"(\" \")\"\n"), std::string::npos) << g3;
  const std::string fg = ToolCallGrammar({clock}, ToolFormat::kFunctionGemma);
  EXPECT_NE(fg.find("tool-call ::= \"<start_function_call>call:get_time\" s-get-time \"<end_function_call>\"\n"),
            std::string::npos)
      << fg;
  EXPECT_NE(fg.find("s-get-time ::= \"{\" \"}\"\n"), std::string::npos) << fg;
}

}  // namespace
}  // namespace gemmakit
