// JSON schema -> grammar: what each keyword lets through, the errors, and 100 generations on the
// tiny random-weight Gemma 3 from random schemas (temperature 1, a seed each) that must all
// parse and validate, through Generate, Chat and the pull stepper alike.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "gemmakit/generation_stepper.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "runtime/grammar/grammar_matcher.h"
#include "runtime/grammar/json_schema.h"
#include "schema_test_util.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using Json = nlohmann::ordered_json;
using grammar::GrammarMatcher;
using test::SchemaMaker;
using test::Validate;

bool SchemaAccepts(const std::string& schema, const std::string& text) {
  GrammarMatcher m(grammar::ParseGbnf(grammar::JsonSchemaToGbnf(schema)));
  const int32_t s = m.Advance(m.start(), text);
  return s != GrammarMatcher::kDead && m.CanEnd(s);
}

std::string SchemaError(const std::string& schema) {
  try {
    grammar::ParseGbnf(grammar::JsonSchemaToGbnf(schema));
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    return e.what();
  }
  return "";
}

TEST(JsonSchemaGrammar, ObjectsRequiredAndOptionalPropertiesInOrder) {
  const std::string schema = R"({"type": "object", "properties": {"name": {"type": "string"},
      "age": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2}},
      "required": ["name"], "additionalProperties": false})";
  EXPECT_TRUE(SchemaAccepts(schema, R"({"name": "a"})"));
  EXPECT_TRUE(SchemaAccepts(schema, R"({"name": "a", "age": 3})"));
  EXPECT_TRUE(SchemaAccepts(schema, R"({"name": "a", "tags": ["x", "y"]})"));
  EXPECT_TRUE(SchemaAccepts(schema, R"({ "name":"a","age":-12,"tags":[] })"));
  EXPECT_FALSE(SchemaAccepts(schema, R"({"age": 3})"));                  // name is required
  EXPECT_FALSE(SchemaAccepts(schema, R"({"name": "a", "age": 3.5})"));   // an integer
  EXPECT_FALSE(SchemaAccepts(schema, R"({"name": "a", "tags": ["x", "y", "z"]})"));
  EXPECT_FALSE(SchemaAccepts(schema, R"({"name": "a", "other": 1})"));
  EXPECT_FALSE(SchemaAccepts(schema, R"({"name": "a",})"));
  // Every property optional: the empty object too, and any subset in order.
  const std::string optional = R"({"properties": {"a": {"type": "null"}, "b": {"type": "boolean"}}})";
  EXPECT_TRUE(SchemaAccepts(optional, "{}"));
  EXPECT_TRUE(SchemaAccepts(optional, R"({"b": true})"));
  EXPECT_TRUE(SchemaAccepts(optional, R"({"a": null, "b": false})"));
  EXPECT_FALSE(SchemaAccepts(optional, R"({"b": true, "a": null})"));
}

TEST(JsonSchemaGrammar, AdditionalPropertiesSchema) {
  const std::string schema =
      R"({"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"],
          "additionalProperties": {"type": "string"}})";
  EXPECT_TRUE(SchemaAccepts(schema, R"({"id": 1, "x": "y", "z": ""})"));
  EXPECT_FALSE(SchemaAccepts(schema, R"({"id": 1, "x": 2})"));
  EXPECT_TRUE(SchemaAccepts(R"({"type": "object", "additionalProperties": true})", R"({"q": [1, {"r": null}]})"));
}

TEST(JsonSchemaGrammar, ScalarsEnumsConstsAndUnions) {
  EXPECT_TRUE(SchemaAccepts(R"({"enum": ["red", 2, null]})", "\"red\""));
  EXPECT_TRUE(SchemaAccepts(R"({"enum": ["red", 2, null]})", "2"));
  EXPECT_FALSE(SchemaAccepts(R"({"enum": ["red", 2, null]})", "\"blue\""));
  EXPECT_TRUE(SchemaAccepts(R"({"const": {"a": [1, "\"q\""]}})", R"({"a":[1,"\"q\""]})"));
  EXPECT_TRUE(SchemaAccepts(R"({"type": ["string", "null"]})", "null"));
  EXPECT_FALSE(SchemaAccepts(R"({"type": ["string", "null"]})", "1"));
  EXPECT_TRUE(SchemaAccepts(R"({"anyOf": [{"type": "integer"}, {"type": "boolean"}]})", "true"));
  EXPECT_TRUE(SchemaAccepts(R"({"oneOf": [{"type": "integer"}, {"type": "boolean"}]})", "-7"));
  EXPECT_TRUE(SchemaAccepts(R"({"type": "number"})", "-0.25e-3"));
  EXPECT_FALSE(SchemaAccepts(R"({"type": "number"})", "01"));
  EXPECT_TRUE(SchemaAccepts(R"({"type": "string", "minLength": 2, "maxLength": 3})", "\"\\u00e9\\n\""));
  EXPECT_FALSE(SchemaAccepts(R"({"type": "string", "minLength": 2, "maxLength": 3})", "\"abcd\""));
  EXPECT_FALSE(SchemaAccepts(R"({"type": "string"})", "\"\\ud800\""));  // no lone surrogates
}

TEST(JsonSchemaGrammar, FormatsAndRefs) {
  EXPECT_TRUE(SchemaAccepts(R"({"type": "string", "format": "date"})", "\"2024-02-29\""));
  EXPECT_FALSE(SchemaAccepts(R"({"type": "string", "format": "date"})", "\"2024-13-01\""));
  EXPECT_TRUE(SchemaAccepts(R"({"type": "string", "format": "time"})", "\"23:59:07.25Z\""));
  EXPECT_TRUE(SchemaAccepts(R"({"type": "string", "format": "date-time"})", "\"2026-12-04T15:00:00+01:00\""));
  EXPECT_FALSE(SchemaAccepts(R"({"type": "string", "format": "date-time"})", "\"2026-12-04 15:00:00Z\""));
  EXPECT_TRUE(SchemaAccepts(R"({"format": "uuid"})", "\"123e4567-e89b-12d3-a456-426614174000\""));
  EXPECT_FALSE(SchemaAccepts(R"({"format": "uuid"})", "\"123e4567\""));
  const std::string tree = R"({"$ref": "#/$defs/node", "$defs": {"node": {"type": "object",
      "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
      "required": ["v"], "additionalProperties": false}}})";
  EXPECT_TRUE(SchemaAccepts(tree, R"({"v": 1, "kids": [{"v": 2}, {"v": 3, "kids": [{"v": 4}]}]})"));
  EXPECT_FALSE(SchemaAccepts(tree, R"({"v": 1, "kids": [{"w": 2}]})"));
}

TEST(JsonSchemaGrammar, ErrorsSayWhere) {
  EXPECT_NE(SchemaError(R"({"type": "object",})").find("not valid JSON at byte 19"), std::string::npos)
      << SchemaError(R"({"type": "object",})");
  EXPECT_NE(SchemaError(R"({"properties": {"age": {"type": "integer", "minimum": 0}}})")
                .find("at /properties/age: keyword 'minimum' is not supported"),
            std::string::npos);
  EXPECT_NE(SchemaError(R"({"type": "bogus"})").find("unknown type 'bogus'"), std::string::npos);
  EXPECT_NE(SchemaError(R"({"properties": {"a": {}}, "required": ["b"]})").find("'b' is not among"),
            std::string::npos);
  EXPECT_NE(SchemaError(R"({"$ref": "#/$defs/missing"})").find("names no definition"), std::string::npos);
  EXPECT_NE(SchemaError(R"({"type": "array", "minItems": 3, "maxItems": 1})").find("maxItems is below"),
            std::string::npos);
}

TEST(JsonSchemaGrammar, HundredRandomSchemasGenerateValidJson) {
  auto model = Model::Load(test::DataPath("gemma3-tiny"));
  Session session(model);
  int ended = 0;
  for (uint32_t i = 0; i < 100; ++i) {
    SchemaMaker maker(1000 + i);
    Json schema = maker.Make(0);
    if (i % 2 == 0) {
      // Objects at the top most of the time, as response formats are.
      schema = {{"type", "object"}, {"properties", {{"answer", schema}, {"n", {{"type", "integer"}}}}},
                {"required", Json::array({"answer"})}, {"additionalProperties", false}};
    }
    GenerateOptions o = test::UnconstrainedSampling(i);
    o.sampling.json_schema = schema.dump();
    session.Reset();
    GenerateResult r;
    if (i % 3 == 0) {
      r = session.Generate("Reply in JSON:", o);
    } else if (i % 3 == 1) {
      r = session.Chat({{"user", "Reply in JSON."}}, o);
    } else {
      auto stepper = GenerationStepper::BeginGenerate(session, "JSON:", o);
      while (!stepper->finished()) stepper->Step(3, 0);
      r = stepper->result();
    }
    SCOPED_TRACE("schema " + std::to_string(i) + ": " + schema.dump() + "\noutput: " + r.text);
    ASSERT_EQ(r.stop_reason, StopReason::kEndOfTurn);
    Json value;
    ASSERT_NO_THROW(value = Json::parse(r.text));
    EXPECT_EQ(Validate(value, schema, schema, ""), "");
    ++ended;
  }
  EXPECT_EQ(ended, 100);
}

TEST(JsonSchemaGrammar, JsonModeAndGbnfThroughSessions) {
  auto model = Model::Load(test::DataPath("gemma3-tiny"));
  Session session(model);
  GenerateOptions o;
  o.max_tokens = 200;
  o.sampling.seed = 7;
  o.sampling.grammar = "root ::= (\"yes\" | \"no\") \", \" [0-9]{1,3}";
  const GenerateResult r = session.Generate("Answer:", o);
  EXPECT_EQ(r.stop_reason, StopReason::kEndOfTurn);
  EXPECT_TRUE(std::regex_match(r.text, std::regex("(yes|no), [0-9]{1,3}"))) << r.text;
  // Sample one token at a time, as the C API's gemmakit_session_sample does.
  session.Reset();
  session.Evaluate(model->tokenizer().Encode("x"));
  SamplingParams p;
  p.seed = 3;
  p.grammar = "root ::= \"ab\"";
  session.SeedSampler(p.seed);
  std::string text;
  for (int k = 0; k < 10; ++k) {
    const int32_t t = session.Sample(p);
    if (t == model->tokenizer().special().eos || t == model->tokenizer().special().end_of_turn) break;
    text += model->tokenizer().Decode(&t, 1);
    session.Evaluate({t});
  }
  EXPECT_EQ(text, "ab");
  // A bad grammar fails before the session changes.
  o.sampling.grammar = "root ::= [";
  const int64_t before = session.n_past();
  try {
    session.Generate("more", o);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("line 1, column 10"), std::string::npos) << e.what();
  }
  EXPECT_EQ(session.n_past(), before);
}

TEST(JsonSchemaGrammar, LogitBiasBansAndForcesTokens) {
  auto model = Model::Load(test::DataPath("gemma3-tiny"));
  Session session(model);
  session.Evaluate(model->tokenizer().Encode("hello"));
  SamplingParams p;
  p.temperature = 0;
  const int32_t greedy = session.Sample(p);
  p.logit_bias = {{greedy, -INFINITY}};
  EXPECT_NE(session.Sample(p), greedy);
  p.logit_bias = {{42, 1000.f}};
  EXPECT_EQ(session.Sample(p), 42);
  p.logit_bias = {{1 << 30, 1.f}};
  EXPECT_THROW(session.Sample(p), Error);
}

}  // namespace
}  // namespace gemmakit
