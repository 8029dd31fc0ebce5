// Calls parsed out of model output, both formats, whole and streamed.
#include <gtest/gtest.h>

#include "gemmakit/status.h"
#include "gemmakit/tools.h"

namespace gemmakit {
namespace {

struct Expected {
  std::string name, args;
};

void ExpectCalls(const std::vector<ToolCall>& got, const std::vector<Expected>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].name, want[i].name) << i;
    EXPECT_EQ(got[i].arguments_json, want[i].args) << i;
  }
}

TEST(ToolCallParser, Gemma3PythonCallLists) {
  std::string rest;
  ExpectCalls(ParseToolCalls("[get_product_name_by_PID(PID=\"807ZPKBL9V\")]", ToolFormat::kGemma3, &rest),
              {{"get_product_name_by_PID", R"({"PID":"807ZPKBL9V"})"}});
  EXPECT_EQ(rest, "");
  // Several calls, every literal kind, nesting, escapes, spaces and text around.
  ExpectCalls(ParseToolCalls("Sure! [f(a=1, b=-2.5e3, c='it\\'s', d=True, e=None), g(), "
                             "h(x=[1, [2, 'y']], m={'k': {\"n\": False}}, s=\"tab\\there\\nnew \\u00e9\")] done",
                             ToolFormat::kGemma3, &rest),
              {{"f", R"({"a":1,"b":-2500.0,"c":"it's","d":true,"e":null})"},
               {"g", "{}"},
               {"h", R"({"x":[1,[2,"y"]],"m":{"k":{"n":false}},"s":"tab\there\nnew é"})"}});
  EXPECT_EQ(rest, "Sure!  done");
}

TEST(ToolCallParser, Gemma3ToolCodeBlocks) {
  std::string rest;
  ExpectCalls(ParseToolCalls("Let me look.\n```tool_code\nprint(get_weather(city=\"Paris\"))\nget_time(tz='UTC')\n```\n",
                             ToolFormat::kGemma3, &rest),
              {{"get_weather", R"({"city":"Paris"})"}, {"get_time", R"({"tz":"UTC"})"}});
  EXPECT_EQ(rest, "Let me look.\n\n");
  ExpectCalls(ParseToolCalls("```tool_code\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\", \"days\": 3}}\n```",
                             ToolFormat::kGemma3),
              {{"get_weather", R"({"city":"Oslo","days":3})"}});
  ExpectCalls(ParseToolCalls("```tool_code\n[a(x=1), b(y=2)]\n```", ToolFormat::kGemma3), {{"a", R"({"x":1})"}, {"b", R"({"y":2})"}});
}

TEST(ToolCallParser, Gemma3MalformedCallsStayText) {
  for (const std::string text :
       {"See [1] and [the docs].", "[f(a=)]", "[f(a=1 b=2)]", "[f(a=1)", "[f(a='unterminated)]", "[1, 2, 3]",
        "```python\nprint(1)\n```", "```tool_code\nnot a call\n```", "[f(a=1)] trailing [g(", "[f(=1)]",
        "[f(a=[1, 2)]"}) {
    std::string rest;
    const std::vector<ToolCall> calls = ParseToolCalls(text, ToolFormat::kGemma3, &rest);
    if (text == "[f(a=1)] trailing [g(") {
      ExpectCalls(calls, {{"f", R"({"a":1})"}});
      EXPECT_EQ(rest, " trailing [g(");
    } else {
      EXPECT_TRUE(calls.empty()) << text;
      EXPECT_EQ(rest, text);
    }
  }
}

TEST(ToolCallParser, FunctionGemmaCalls) {
  std::string rest;
  ExpectCalls(ParseToolCalls("<start_function_call>call:get_current_weather{location:<escape>Tokyo, JP<escape>}"
                             "<end_function_call>",
                             ToolFormat::kFunctionGemma, &rest),
              {{"get_current_weather", R"({"location":"Tokyo, JP"})"}});
  EXPECT_EQ(rest, "");
  // Strings hold the notation's own characters; numbers, booleans, null, nested objects and arrays.
  ExpectCalls(ParseToolCalls("ok <start_function_call>call:f{s:<escape>a{b},c:[d]\"e\"<escape>,n:-3,x:2.5,t:true,"
                             "z:null,o:{p:{q:<escape>r<escape>}},l:[1,<escape>two<escape>,[]]}<end_function_call>"
                             "<start_function_call>call:g{}<end_function_call> bye",
                             ToolFormat::kFunctionGemma, &rest),
              {{"f", R"({"s":"a{b},c:[d]\"e\"","n":-3,"x":2.5,"t":true,"z":null,"o":{"p":{"q":"r"}},"l":[1,"two",[]]})"},
               {"g", "{}"}});
  EXPECT_EQ(rest, "ok  bye");
}

TEST(ToolCallParser, FunctionGemmaMalformedCallsStayText) {
  for (const std::string text :
       {"<start_function_call>call:f{a:1}", "<start_function_call>f{a:1}<end_function_call>",
        "<start_function_call>call:f{a:bare}<end_function_call>", "<start_function_call>call:f{a:1,,}<end_function_call>",
        "<start_function_call>call:f{a:<escape>x}<end_function_call>", "<end_function_call> <b>bold</b>",
        "<start_function_call>call:{a:1}<end_function_call>"}) {
    std::string rest;
    EXPECT_TRUE(ParseToolCalls(text, ToolFormat::kFunctionGemma, &rest).empty()) << text;
    EXPECT_EQ(rest, text);
  }
}

// Fed one byte at a time, each call comes out of the Feed that completes it, and the result equals
// the whole-text parse.
TEST(ToolCallParser, StreamsCallsAsTheyComplete) {
  const std::vector<std::pair<ToolFormat, std::string>> outputs = {
      {ToolFormat::kGemma3, "a [f(x='[)]')] b ```tool_code\ng(y=1)\n``` c [h()]"},
      {ToolFormat::kFunctionGemma,
       "a <start_function_call>call:f{x:<escape>}<end_function_call><escape>}<end_function_call> b "
       "<start_function_call>call:g{y:1}<end_function_call>"},
  };
  for (const auto& [format, text] : outputs) {
    ToolCallStream stream(format);
    std::vector<size_t> completed_at;
    for (size_t i = 0; i < text.size(); ++i) {
      const size_t n = stream.Feed(text.substr(i, 1)).size();
      for (size_t k = 0; k < n; ++k) completed_at.push_back(i + 1);
    }
    stream.Finish();
    std::string rest;
    const std::vector<ToolCall> whole = ParseToolCalls(text, format, &rest);
    ASSERT_EQ(stream.calls().size(), whole.size());
    ASSERT_EQ(completed_at.size(), whole.size());
    for (size_t k = 0; k < whole.size(); ++k) EXPECT_EQ(stream.calls()[k].arguments_json, whole[k].arguments_json);
    EXPECT_EQ(stream.text(), rest);
    // The first call is reported right where its text ends, not at the end of the output.
    const std::string first_end = format == ToolFormat::kGemma3 ? "')]" : "}<end_function_call> b";
    EXPECT_EQ(completed_at[0], text.find(first_end) + (format == ToolFormat::kGemma3 ? 3 : 20));
  }
  ExpectCalls(ParseToolCalls("a <start_function_call>call:f{x:<escape>}<end_function_call><escape>}<end_function_call>",
                             ToolFormat::kFunctionGemma),
              {{"f", R"({"x":"}<end_function_call>"})"}});
  EXPECT_THROW(ToolCallStream(ToolFormat::kAuto), Error);
}

}  // namespace
}  // namespace gemmakit
