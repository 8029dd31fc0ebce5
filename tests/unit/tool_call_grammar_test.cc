// The tool-call grammar ties each function's parameter schema into its calls, in both formats:
// strings drawn at random from the grammars of random schemas must all parse as calls whose
// arguments validate; wrong keys, types and values are refused by the matcher; schemas the
// converter refuses are refused with the function and the path named; and constrained generation
// on the tiny random-weight Gemma 3 yields valid calls.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "gemmakit/tools.h"
#include "runtime/grammar/grammar_matcher.h"
#include "schema_test_util.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using grammar::GrammarMatcher;
using test::Json;

const ToolFormat kFormats[] = {ToolFormat::kGemma3, ToolFormat::kFunctionGemma};

const ToolDeclaration kWeather{
    "get_weather", "Weather in a city",
    R"({"type": "object", "properties": {
          "location": {"type": "string"},
          "days": {"type": "integer"},
          "unit": {"enum": ["celsius", "fahrenheit"]},
          "hourly": {"type": "boolean"},
          "at": {"type": "array", "items": {"type": "number"}, "maxItems": 3},
          "where": {"type": "object", "properties": {"lat": {"type": "number"}, "note": {"type": ["string", "null"]}},
                    "required": ["lat"]}},
        "required": ["location"]})"};
const ToolDeclaration kClock{"get_time", "The time", ""};

bool Accepts(const std::vector<ToolDeclaration>& tools, ToolFormat format, const std::string& text) {
  GrammarMatcher m(grammar::ParseGbnf(ToolCallGrammar(tools, format)));
  const int32_t s = m.Advance(m.start(), text);
  return s != GrammarMatcher::kDead && m.CanEnd(s);
}

std::string GrammarError(const ToolDeclaration& tool, ToolFormat format) {
  try {
    ToolCallGrammar({tool}, format);
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    return e.what();
  }
  return "";
}

// A random sentence of the grammar, drawn byte by byte from what the matcher lets through (ASCII
// and the two bytes of "é", so that strings end before long); "" when it runs past max_bytes.
std::string RandomSentence(GrammarMatcher& m, std::mt19937& rng, size_t max_bytes) {
  std::string out;
  int32_t state = m.start();
  while (out.size() < max_bytes) {
    if (m.CanEnd(state) && (!m.CanContinue(state) || rng() % 4 == 0)) return out;
    std::vector<uint8_t> next;
    for (int b = 0x09; b < 0x80; ++b) {
      if (m.Next(state, static_cast<uint8_t>(b)) != GrammarMatcher::kDead) next.push_back(static_cast<uint8_t>(b));
    }
    for (uint8_t b : {0xC3, 0xA9}) {
      if (m.Next(state, b) != GrammarMatcher::kDead) next.push_back(b);
    }
    if (next.empty()) {
      ADD_FAILURE() << "the grammar leads nowhere after: " << out;
      return "";
    }
    const uint8_t b = next[rng() % next.size()];
    out += static_cast<char>(b);
    state = m.Next(state, b);
  }
  return "";
}

// Random functions: object parameters whose properties are random schemas of every supported
// kind (nested objects and arrays, enums, consts, unions, formats, all scalar types), some required.
std::vector<ToolDeclaration> RandomTools(uint32_t seed) {
  std::mt19937 rng(seed);
  test::SchemaMaker maker(seed);
  std::vector<ToolDeclaration> tools;
  const int n = 1 + static_cast<int>(rng() % 3);
  for (int t = 0; t < n; ++t) {
    if (rng() % 6 == 0) {
      tools.push_back({"f" + std::to_string(t), "", ""});
      continue;
    }
    Json props = Json::object(), required = Json::array();
    const int n_props = 1 + static_cast<int>(rng() % 5);
    for (int i = 0; i < n_props; ++i) {
      const std::string key = "arg_" + std::to_string(i);
      props[key] = maker.Make(rng() % 3 == 0 ? 0 : 1);
      if (rng() % 2) required.push_back(key);
    }
    Json schema = {{"type", "object"}, {"properties", props}, {"required", required}};
    if (rng() % 2) schema["additionalProperties"] = false;
    tools.push_back({"f" + std::to_string(t), "", schema.dump()});
  }
  return tools;
}

// "" when the calls are all to declared functions with arguments valid for their schemas.
std::string CheckCalls(const std::vector<ToolCall>& calls, const std::vector<ToolDeclaration>& tools) {
  if (calls.empty()) return "no calls";
  for (const ToolCall& call : calls) {
    const ToolDeclaration* tool = nullptr;
    for (const ToolDeclaration& t : tools) tool = t.name == call.name ? &t : tool;
    if (!tool) return "undeclared function " + call.name;
    const Json args = Json::parse(call.arguments_json);
    const Json schema = Json::parse(tool->parameters_json.empty() ? "{}" : tool->parameters_json);
    if (!schema.contains("properties") && !args.empty()) return call.name + " takes no arguments";
    const std::string e = test::Validate(args, schema, schema, call.name);
    if (!e.empty()) return e;
    for (auto it = args.begin(); it != args.end(); ++it) {
      if (!schema.contains("properties") || !schema["properties"].contains(it.key())) return "unknown key " + it.key();
    }
  }
  return "";
}

TEST(ToolCallGrammar, RandomSchemasRandomSentencesParseAndValidate) {
  for (ToolFormat format : kFormats) {
    int sentences = 0;
    for (uint32_t seed = 0; seed < 100; ++seed) {
      const std::vector<ToolDeclaration> tools = RandomTools(seed);
      const std::string gbnf = ToolCallGrammar(tools, format);
      GrammarMatcher m(grammar::ParseGbnf(gbnf));
      std::mt19937 rng(seed);
      for (int k = 0; k < 20; ++k) {
        const std::string text = RandomSentence(m, rng, 20000);
        if (text.empty()) continue;
        SCOPED_TRACE("format " + std::to_string(static_cast<int>(format)) + ", tools " + std::to_string(seed) +
                     "\nsentence: " + text);
        std::string rest;
        const std::vector<ToolCall> calls = ParseToolCalls(text, format, &rest);
        EXPECT_EQ(rest, "");
        EXPECT_EQ(CheckCalls(calls, tools), "");
        ++sentences;
      }
    }
    EXPECT_GT(sentences, 1900);  // a few may run long; nearly all must come out
  }
}

TEST(ToolCallGrammar, Gemma3ArgumentsFollowTheSchema) {
  const std::vector<ToolDeclaration> tools = {kWeather, kClock};
  const ToolFormat f = ToolFormat::kGemma3;
  EXPECT_TRUE(Accepts(tools, f, R"([get_weather(location="Tokyo")])"));
  EXPECT_TRUE(Accepts(tools, f, R"([get_weather(location="T\"o\u00e9", days=-3, unit="fahrenheit", hourly=True, )"
                                R"(at=[1.5, -2e3], where={"lat": 35.6, "note": None}), get_time()])"));
  EXPECT_TRUE(Accepts(tools, f, R"([get_time(), get_weather(location="", where={"lat": 0})])"));
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(city="Tokyo")])"));               // an undeclared key
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(days=3)])"));                      // location is required
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(location=3)])"));                  // a number for a string
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(location="a", days=3.5)])"));      // a float for an integer
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(location="a", hourly=true)])"));   // JSON's true
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(location="a", unit="kelvin")])"));  // not in the enum
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(location="a", at=[1, 2, 3, 4])])"));  // maxItems
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(location="a", where={"note": None})])"));  // lat required
  EXPECT_FALSE(Accepts(tools, f, R"([get_weather(days=3, location="a")])"));  // the schema's order
  EXPECT_FALSE(Accepts(tools, f, R"([get_time(x=1)])"));                       // no parameters
}

TEST(ToolCallGrammar, FunctionGemmaArgumentsFollowTheSchema) {
  const std::vector<ToolDeclaration> tools = {kWeather, kClock};
  const ToolFormat f = ToolFormat::kFunctionGemma;
  const std::string open = "<start_function_call>call:", close = "<end_function_call>";
  EXPECT_TRUE(Accepts(tools, f, open + "get_weather{location:<escape>Tokyo<escape>}" + close));
  EXPECT_TRUE(Accepts(tools, f,
                      open + "get_weather{location:<escape>To\"k:{y}o<escape>,days:3,unit:<escape>celsius<escape>,"
                             "hourly:false,at:[1,2.5],where:{lat:-1,note:null}}" + close + open + "get_time{}" + close));
  EXPECT_FALSE(Accepts(tools, f, open + "get_weather{city:<escape>Tokyo<escape>}" + close));
  EXPECT_FALSE(Accepts(tools, f, open + "get_weather{days:3}" + close));
  EXPECT_FALSE(Accepts(tools, f, open + "get_weather{location:3}" + close));
  EXPECT_FALSE(Accepts(tools, f, open + "get_weather{location:<escape>a<escape>,hourly:True}" + close));
  EXPECT_FALSE(Accepts(tools, f, open + "get_weather{location:<escape>a<escape>,unit:<escape>K<escape>}" + close));
  EXPECT_FALSE(Accepts(tools, f, open + "get_weather{location:<escape>a<escape>,where:{note:null}}" + close));
  EXPECT_FALSE(Accepts(tools, f, open + "get_time{x:1}" + close));
}

TEST(ToolCallGrammar, RefsAndAdditionalArguments) {
  // $ref into the parameters' own $defs, and extra arguments of a declared type.
  const ToolDeclaration tree{"walk", "", R"({"type": "object", "properties": {"root": {"$ref": "#/$defs/node"}},
      "required": ["root"], "additionalProperties": {"type": "integer"},
      "$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"},
                "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["v"]}}})"};
  EXPECT_TRUE(Accepts({tree}, ToolFormat::kGemma3, R"([walk(root={"v": 1, "kids": [{"v": 2}]}, depth=3)])"));
  EXPECT_FALSE(Accepts({tree}, ToolFormat::kGemma3, R"([walk(root={"v": 1}, depth="3")])"));
  EXPECT_FALSE(Accepts({tree}, ToolFormat::kGemma3, R"([walk(root={"kids": []})])"));
  const std::string open = "<start_function_call>call:walk", close = "<end_function_call>";
  EXPECT_TRUE(Accepts({tree}, ToolFormat::kFunctionGemma, open + "{root:{v:1,kids:[{v:2,kids:[]}]},max depth:3}" + close));
  EXPECT_FALSE(Accepts({tree}, ToolFormat::kFunctionGemma, open + "{root:{v:1},depth:true}" + close));
  // A second function's $defs are its own.
  const ToolDeclaration other{"other", "", R"({"properties": {"x": {"$ref": "#/$defs/node"}},
      "$defs": {"node": {"type": "boolean"}}})"};
  EXPECT_TRUE(Accepts({tree, other}, ToolFormat::kGemma3, R"([other(x=True), walk(root={"v": 0})])"));
  EXPECT_FALSE(Accepts({tree, other}, ToolFormat::kGemma3, R"([other(x={"v": 0})])"));
}

TEST(ToolCallGrammar, RefusalsNameTheFunctionAndThePath) {
  for (ToolFormat f : kFormats) {
    const std::string minimum =
        GrammarError({"f", "", R"({"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}})"}, f);
    EXPECT_NE(minimum.find("function 'f'"), std::string::npos) << minimum;
    EXPECT_NE(minimum.find("at /properties/n: keyword 'minimum' is not supported"), std::string::npos) << minimum;
    EXPECT_NE(GrammarError({"f", "", R"({"type": "array"})"}, f).find("type must be \"object\""), std::string::npos);
    EXPECT_NE(GrammarError({"f", "", "{not json"}, f).find("not valid JSON"), std::string::npos);
    EXPECT_NE(GrammarError({"bad name", "", ""}, f).find("cannot be written"), std::string::npos);
  }
  // Argument names are Python identifiers in Gemma 3; FunctionGemma's keys run to a ':'.
  const ToolDeclaration spaced{"f", "", R"({"properties": {"a b": {"type": "string"}}})"};
  EXPECT_NE(GrammarError(spaced, ToolFormat::kGemma3).find("at /properties/a b: the name cannot be written"),
            std::string::npos);
  EXPECT_EQ(GrammarError(spaced, ToolFormat::kFunctionGemma), "");
  const ToolDeclaration colon{"f", "", R"({"properties": {"a:b": {"type": "string"}}})"};
  EXPECT_NE(GrammarError(colon, ToolFormat::kFunctionGemma).find("the name cannot be written"), std::string::npos);
  // A constant with '<' could end a FunctionGemma string early.
  const ToolDeclaration angle{"f", "", R"({"properties": {"a": {"enum": ["x<escape>y"]}}})"};
  EXPECT_NE(GrammarError(angle, ToolFormat::kFunctionGemma).find("cannot be written"), std::string::npos);
  EXPECT_TRUE(Accepts({angle}, ToolFormat::kGemma3, R"([f(a="x<escape>y")])"));
}

TEST(ToolCallGrammar, ConstrainedGenerationOnTheTinyModelCallsValidly) {
  auto model = Model::Load(test::DataPath("gemma3-tiny"));
  Session session(model);
  for (ToolFormat format : kFormats) {
    for (uint32_t i = 0; i < 25; ++i) {
      const std::vector<ToolDeclaration> tools = RandomTools(500 + i);
      GenerateOptions o = test::UnconstrainedSampling(i);
      o.sampling.grammar = ToolCallGrammar(tools, format);
      session.Reset();
      const GenerateResult r = session.Chat({{"user", "Call a function."}}, o);
      SCOPED_TRACE("format " + std::to_string(static_cast<int>(format)) + ", tools " + std::to_string(i) +
                   "\noutput: " + r.text);
      ASSERT_EQ(r.stop_reason, StopReason::kEndOfTurn);
      std::string rest;
      EXPECT_EQ(CheckCalls(ParseToolCalls(r.text, format, &rest), tools), "");
      EXPECT_EQ(rest, "");
    }
  }
}

}  // namespace
}  // namespace gemmakit
