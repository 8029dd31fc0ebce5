// The C ABI of pull generation and the log callback: bad input gives a status and a message,
// never a crash; a step's chunk grows the same text as gemmakit_session_generate.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "gemmakit.h"
#include "test_util.h"

namespace {

class CapiStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma3-tiny").c_str(), nullptr, &model_), GEMMAKIT_OK);
    ASSERT_EQ(gemmakit_session_create(model_, nullptr, &session_), GEMMAKIT_OK);
    gemmakit_sampling_params_init(&sampling_, sizeof sampling_);
    sampling_.temperature = 0;
    gemmakit_generate_params_init(&params_, sizeof params_);
    params_.max_tokens = 10;
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

TEST_F(CapiStepTest, ChunksAddUpToWhatGenerateGives) {
  gemmakit_session* whole = nullptr;
  ASSERT_EQ(gemmakit_session_create(model_, nullptr, &whole), GEMMAKIT_OK);
  gemmakit_generation g{};
  g.struct_size = sizeof g;
  ASSERT_EQ(gemmakit_session_generate(whole, "The sea", &params_, &g), GEMMAKIT_OK);
  const std::string want(g.text, g.text_len);
  gemmakit_session_free(whole);

  ASSERT_EQ(gemmakit_session_begin_generate(session_, "The sea", &params_), GEMMAKIT_OK);
  std::string got;
  gemmakit_chunk c{};
  c.struct_size = sizeof c;
  int steps = 0;
  do {
    ASSERT_EQ(gemmakit_session_step(session_, 1, 0, &c), GEMMAKIT_OK) << gemmakit_last_error();
    EXPECT_LE(c.n_tokens, 1);
    got.append(c.text, c.text_len);
    ++steps;
  } while (!c.finished);
  EXPECT_EQ(got, want);
  EXPECT_GE(steps, 2);
  gemmakit_generation r{};
  r.struct_size = sizeof r;
  ASSERT_EQ(gemmakit_session_step_result(session_, &r), GEMMAKIT_OK);
  EXPECT_EQ(std::string(r.text, r.text_len), want);
  EXPECT_EQ(r.n_tokens, g.n_tokens);
  EXPECT_EQ(c.n_total_tokens, g.n_tokens);
  // Finished generations keep answering "finished" with no text.
  ASSERT_EQ(gemmakit_session_step(session_, 1, 0, &c), GEMMAKIT_OK);
  EXPECT_EQ(c.finished, 1);
  EXPECT_EQ(c.text_len, 0u);
}

TEST_F(CapiStepTest, BadInputGivesStatusAndMessage) {
  gemmakit_chunk c{};
  c.struct_size = sizeof c;
  EXPECT_EQ(gemmakit_session_step(nullptr, 1, 0, &c), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_step(session_, 1, 0, &c), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("no generation begun"), std::string::npos);
  EXPECT_EQ(gemmakit_session_begin_generate(session_, nullptr, &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_begin_chat(session_, nullptr, 1, &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_begin_chat(session_, nullptr, 0, &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_chat_message bad_role = {"narrator", "hi"};
  EXPECT_EQ(gemmakit_session_begin_chat(session_, &bad_role, 1, &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(gemmakit_session_begin_generate(session_, "x", nullptr), GEMMAKIT_OK);
  gemmakit_chunk unsized{};
  EXPECT_EQ(gemmakit_session_step(session_, 1, 0, &unsized), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_step(session_, -1, 0, &c), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_step(session_, 1, -0.5, &c), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_step(session_, 1, std::numeric_limits<double>::infinity(), &c), GEMMAKIT_ERR_INVALID_ARGUMENT);
  // An error ends the generation: the next step says nothing is begun.
  EXPECT_EQ(gemmakit_session_step(session_, 1, 0, &c), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("no generation begun"), std::string::npos);
  EXPECT_EQ(gemmakit_session_step_result(session_, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  // The chunk may be NULL: the step still advances.
  ASSERT_EQ(gemmakit_session_begin_generate(session_, "x", &params_), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_session_step(session_, 1, 0, nullptr), GEMMAKIT_OK);
  int64_t n_past = 0;
  gemmakit_session_n_past(session_, &n_past);
  EXPECT_GT(n_past, 0);
  // A session used by another call meanwhile is refused rather than continued wrongly.
  const int32_t id = 5;
  ASSERT_EQ(gemmakit_session_eval(session_, &id, 1, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_session_step(session_, 1, 0, &c), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("changed"), std::string::npos);
}

struct Heard {
  std::vector<int32_t> levels;
  std::vector<std::string> messages;
};

void Listen(int32_t level, const char* message, void* user) {
  static_cast<Heard*>(user)->levels.push_back(level);
  static_cast<Heard*>(user)->messages.emplace_back(message);
}

TEST_F(CapiStepTest, LogCallbackLevelsAndRemoval) {
  EXPECT_EQ(gemmakit_set_log_callback(Listen, 7, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_set_log_callback(Listen, -1, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  Heard heard;
  ASSERT_EQ(gemmakit_set_log_callback(Listen, GEMMAKIT_LOG_DEBUG, &heard), GEMMAKIT_OK);
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma3-tiny").c_str(), nullptr, &m), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_begin_generate(session_, "x", &params_), GEMMAKIT_OK);
  gemmakit_chunk c{};
  c.struct_size = sizeof c;
  do {
    ASSERT_EQ(gemmakit_session_step(session_, 0, 0, &c), GEMMAKIT_OK);
  } while (!c.finished);
  ASSERT_EQ(gemmakit_set_log_callback(nullptr, GEMMAKIT_LOG_DEBUG, nullptr), GEMMAKIT_OK);
  ASSERT_EQ(heard.levels.size(), 2u);
  EXPECT_EQ(heard.levels[0], GEMMAKIT_LOG_INFO);
  EXPECT_NE(heard.messages[0].find("gemma3"), std::string::npos);
  EXPECT_EQ(heard.levels[1], GEMMAKIT_LOG_DEBUG);
  gemmakit_model_free(m);
  ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma3-tiny").c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_model_free(m);
  EXPECT_EQ(heard.levels.size(), 2u) << "a removed callback is not called";
}

}  // namespace
