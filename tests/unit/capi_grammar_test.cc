// Constrained decoding and logit bias through the C ABI: generate, chat, pull steps and single
// draws; errors with their position; callers built against the shorter sampling params.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "gemmakit.h"
#include "test_util.h"

namespace {

class CapiGrammar : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma3-tiny").c_str(), nullptr, &model_), GEMMAKIT_OK);
    ASSERT_EQ(gemmakit_session_create(model_, nullptr, &session_), GEMMAKIT_OK);
    gemmakit_sampling_params_init(&sampling_, sizeof sampling_);
    sampling_.seed = 5;
    gemmakit_generate_params_init(&params_, sizeof params_);
    params_.max_tokens = 300;
    params_.sampling = &sampling_;
  }
  void TearDown() override {
    gemmakit_session_free(session_);
    gemmakit_model_free(model_);
  }
  gemmakit_model* model_ = nullptr;
  gemmakit_session* session_ = nullptr;
  gemmakit_sampling_params sampling_;
  gemmakit_generate_params params_;
};

TEST_F(CapiGrammar, GenerateChatAndStepFollowTheGrammar) {
  sampling_.grammar = "answer ::= \"[\" item (\", \" item){0,2} \"]\"\nitem ::= [a-z]{1,5}";
  sampling_.grammar_root = "answer";
  const std::regex shape(R"(\[[a-z]{1,5}(, [a-z]{1,5}){0,2}\])");
  gemmakit_generation g;
  g.struct_size = sizeof g;
  ASSERT_EQ(gemmakit_session_generate(session_, "List:", &params_, &g), GEMMAKIT_OK) << gemmakit_last_error();
  EXPECT_EQ(g.stop_reason, GEMMAKIT_STOP_END_OF_TURN);
  EXPECT_TRUE(std::regex_match(std::string(g.text, g.text_len), shape)) << g.text;

  gemmakit_session_reset(session_);
  const gemmakit_chat_message turn = {"user", "List three things."};
  ASSERT_EQ(gemmakit_session_chat(session_, &turn, 1, &params_, &g), GEMMAKIT_OK) << gemmakit_last_error();
  EXPECT_EQ(g.stop_reason, GEMMAKIT_STOP_END_OF_TURN);
  EXPECT_TRUE(std::regex_match(std::string(g.text, g.text_len), shape)) << g.text;

  gemmakit_session_reset(session_);
  ASSERT_EQ(gemmakit_session_begin_chat(session_, &turn, 1, &params_), GEMMAKIT_OK) << gemmakit_last_error();
  std::string text;
  gemmakit_chunk c;
  c.struct_size = sizeof c;
  do {
    ASSERT_EQ(gemmakit_session_step(session_, 2, 0, &c), GEMMAKIT_OK) << gemmakit_last_error();
    text.append(c.text, c.text_len);
  } while (!c.finished);
  EXPECT_EQ(c.stop_reason, GEMMAKIT_STOP_END_OF_TURN);
  EXPECT_TRUE(std::regex_match(text, shape)) << text;
}

TEST_F(CapiGrammar, JsonSchemaAndJsonMode) {
  sampling_.json_schema =
      R"({"type": "object", "properties": {"ok": {"type": "boolean"}, "n": {"enum": [1, 2]}},
          "required": ["ok", "n"], "additionalProperties": false})";
  gemmakit_generation g;
  g.struct_size = sizeof g;
  ASSERT_EQ(gemmakit_session_generate(session_, "JSON:", &params_, &g), GEMMAKIT_OK) << gemmakit_last_error();
  ASSERT_EQ(g.stop_reason, GEMMAKIT_STOP_END_OF_TURN);
  const auto v = nlohmann::json::parse(std::string(g.text, g.text_len));
  EXPECT_TRUE(v.at("ok").is_boolean());
  EXPECT_TRUE(v.at("n") == 1 || v.at("n") == 2);
  EXPECT_EQ(v.size(), 2u);

  sampling_.json_schema = nullptr;
  sampling_.json_mode = 1;
  sampling_.temperature = 0;  // greedy: the tiny model's favourite object, closed within max_tokens
  gemmakit_session_reset(session_);
  ASSERT_EQ(gemmakit_session_generate(session_, "JSON:", &params_, &g), GEMMAKIT_OK) << gemmakit_last_error();
  const std::string text(g.text, g.text_len);
  EXPECT_EQ(text.substr(0, 1), "{");
  if (g.stop_reason == GEMMAKIT_STOP_END_OF_TURN) {
    EXPECT_TRUE(nlohmann::json::parse(text).is_object()) << text;
  }
}

TEST_F(CapiGrammar, InvalidGrammarsAndSchemasNameThePosition) {
  sampling_.grammar = "root ::= \"a\"\nitem ::= [a-";
  EXPECT_EQ(gemmakit_session_generate(session_, "x", &params_, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("grammar: line 2, column 9: unterminated character class"),
            std::string::npos)
      << gemmakit_last_error();
  EXPECT_EQ(gemmakit_session_begin_generate(session_, "x", &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);
  int64_t n_past = -1;
  gemmakit_session_n_past(session_, &n_past);
  EXPECT_EQ(n_past, 0);  // nothing was evaluated
  sampling_.grammar = nullptr;
  sampling_.json_schema = "{\"type\": [\"string\",]}";
  EXPECT_EQ(gemmakit_session_generate(session_, "x", &params_, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("json schema: not valid JSON at byte"), std::string::npos)
      << gemmakit_last_error();
  sampling_.json_mode = 1;  // two constraints at once
  sampling_.json_schema = "{}";
  EXPECT_EQ(gemmakit_session_generate(session_, "x", &params_, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  sampling_.json_mode = 0;
  sampling_.json_schema = nullptr;
  sampling_.n_logit_bias = 1;  // with a NULL array
  EXPECT_EQ(gemmakit_session_generate(session_, "x", &params_, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
}

TEST_F(CapiGrammar, SampleFollowsTheGrammarAcrossDraws) {
  const int32_t bos = 2;
  ASSERT_EQ(gemmakit_session_eval(session_, &bos, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  gemmakit_model_info info;
  info.struct_size = sizeof info;
  gemmakit_model_get_info(model_, &info);
  sampling_.grammar = "root ::= \"ok\" [!?]";
  std::string text;
  for (int i = 0; i < 10; ++i) {
    int32_t t = -1;
    ASSERT_EQ(gemmakit_session_sample(session_, &sampling_, i == 0, &t), GEMMAKIT_OK) << gemmakit_last_error();
    if (t == info.eos_id || t == info.end_of_turn_id) break;
    char buf[64];
    size_t needed = 0;
    ASSERT_EQ(gemmakit_detokenize(model_, &t, 1, buf, sizeof buf, &needed), GEMMAKIT_OK);
    text += buf;
    ASSERT_EQ(gemmakit_session_eval(session_, &t, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  }
  EXPECT_TRUE(text == "ok!" || text == "ok?") << text;
}

TEST_F(CapiGrammar, LogitBiasAndOlderStructSizes) {
  const int32_t bos = 2;
  ASSERT_EQ(gemmakit_session_eval(session_, &bos, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  sampling_.temperature = 0;
  int32_t greedy = -1, t = -1;
  ASSERT_EQ(gemmakit_session_sample(session_, &sampling_, 1, &greedy), GEMMAKIT_OK);
  const gemmakit_logit_bias ban = {greedy, -INFINITY};
  sampling_.logit_bias = &ban;
  sampling_.n_logit_bias = 1;
  ASSERT_EQ(gemmakit_session_sample(session_, &sampling_, 1, &t), GEMMAKIT_OK);
  EXPECT_NE(t, greedy);
  const gemmakit_logit_bias out_of_range = {1 << 30, 1.f};
  sampling_.logit_bias = &out_of_range;
  EXPECT_EQ(gemmakit_session_sample(session_, &sampling_, 1, &t), GEMMAKIT_ERR_INVALID_ARGUMENT);
  // A caller built before these fields existed: its struct ends at seed.
  gemmakit_sampling_params old;
  const size_t old_size = offsetof(gemmakit_sampling_params, logit_bias);
  ASSERT_EQ(gemmakit_sampling_params_init(&old, old_size), GEMMAKIT_OK);
  old.temperature = 0;
  ASSERT_EQ(gemmakit_session_sample(session_, &old, 1, &t), GEMMAKIT_OK) << gemmakit_last_error();
  EXPECT_EQ(t, greedy);
}

}  // namespace
