// gemmakit_session_score against transformers' logits of every position (tests/data/gemma3-tiny):
// the log-probabilities of a continuation equal the log-softmax of the reference logits at the
// positions before its tokens, and the session is left as after evaluating the prompt alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gemmakit.h"
#include "test_util.h"

namespace {

constexpr double kLogprobTolerance = 1e-3;
constexpr size_t kVocab = 640;

// log softmax(row)[id], written independently of the library's.
double RefLogprob(const std::vector<float>& logits, size_t row, int32_t id) {
  const float* r = logits.data() + row * kVocab;
  double max = r[0], sum = 0;
  for (size_t i = 0; i < kVocab; ++i) max = std::max(max, static_cast<double>(r[i]));
  for (size_t i = 0; i < kVocab; ++i) sum += std::exp(r[i] - max);
  return r[id] - max - std::log(sum);
}

class ScoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma3-tiny").c_str(), nullptr, &model_), GEMMAKIT_OK)
        << gemmakit_last_error();
    ASSERT_EQ(gemmakit_session_create(model_, nullptr, &session_), GEMMAKIT_OK) << gemmakit_last_error();
    ASSERT_EQ(gemmakit_score_params_init(&params_, sizeof params_), GEMMAKIT_OK);
  }
  void TearDown() override {
    gemmakit_session_free(session_);
    gemmakit_model_free(model_);
  }
  gemmakit_model* model_ = nullptr;
  gemmakit_session* session_ = nullptr;
  gemmakit_score_params params_{};
};

TEST_F(ScoringTest, ContinuationsAndNextTokensMatchReferenceLogits) {
  const gemmakit::test::GoldenCase g = gemmakit::test::LoadGoldenCase("gemma3-tiny", "long");
  const size_t n_prompt = 60;
  // Two continuations: the reference text's next 20 tokens, and its next 3.
  const std::vector<int32_t> prompt(g.ids.begin(), g.ids.begin() + n_prompt);
  const std::vector<int32_t> long_cont(g.ids.begin() + n_prompt, g.ids.begin() + n_prompt + 20);
  const std::vector<int32_t> short_cont(g.ids.begin() + n_prompt, g.ids.begin() + n_prompt + 3);
  const int32_t* conts[] = {long_cont.data(), short_cont.data()};
  const size_t lengths[] = {long_cont.size(), short_cont.size()};
  const int32_t next[] = {g.ids[n_prompt], 7, 0};
  double sums[2], tokens[23], next_lp[3];
  int32_t greedy[2] = {-1, -1};
  params_.continuations = conts;
  params_.continuation_lengths = lengths;
  params_.n_continuations = 2;
  params_.next_tokens = next;
  params_.n_next_tokens = 3;
  params_.logprob_sums = sums;
  params_.token_logprobs = tokens;
  params_.is_greedy = greedy;
  params_.next_token_logprobs = next_lp;
  ASSERT_EQ(gemmakit_session_score(session_, prompt.data(), prompt.size(), &params_), GEMMAKIT_OK)
      << gemmakit_last_error();

  double want_sum = 0;
  for (size_t i = 0; i < long_cont.size(); ++i) {
    const double want = RefLogprob(g.logits, n_prompt - 1 + i, long_cont[i]);
    EXPECT_NEAR(tokens[i], want, kLogprobTolerance) << "token " << i;
    if (i < short_cont.size()) {
      EXPECT_NEAR(tokens[20 + i], want, kLogprobTolerance) << "short, token " << i;
    }
    want_sum += want;
  }
  EXPECT_NEAR(sums[0], want_sum, 20 * kLogprobTolerance);
  EXPECT_NEAR(sums[1], tokens[20] + tokens[21] + tokens[22], 1e-9);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(next_lp[i], RefLogprob(g.logits, n_prompt - 1, next[i]), kLogprobTolerance);
  EXPECT_DOUBLE_EQ(next_lp[0], tokens[0]);
  // The reference text is not what this random model would say next.
  EXPECT_EQ(greedy[0], 0);

  // The session holds the prompt, with the logits of its last id, as after eval(prompt).
  int64_t n_past = 0;
  ASSERT_EQ(gemmakit_session_n_past(session_, &n_past), GEMMAKIT_OK);
  EXPECT_EQ(n_past, static_cast<int64_t>(n_prompt));
  const float* logits = nullptr;
  size_t rows = 0, vocab = 0;
  ASSERT_EQ(gemmakit_session_logits(session_, &logits, &rows, &vocab), GEMMAKIT_OK);
  ASSERT_EQ(rows, 1u);
  gemmakit_session* plain = nullptr;
  ASSERT_EQ(gemmakit_session_create(model_, nullptr, &plain), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_eval(plain, prompt.data(), prompt.size(), GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  const float* plain_logits = nullptr;
  ASSERT_EQ(gemmakit_session_logits(plain, &plain_logits, &rows, &vocab), GEMMAKIT_OK);
  EXPECT_TRUE(std::equal(logits, logits + vocab, plain_logits));
  gemmakit_session_free(plain);
}

TEST_F(ScoringTest, GreedyContinuationIsGreedyAndMostLikely) {
  const gemmakit::test::GoldenCase g = gemmakit::test::LoadGoldenCase("gemma3-tiny", "english");
  std::vector<int32_t> other = g.greedy;
  other.back() = other.back() == 3 ? 4 : 3;
  const int32_t* conts[] = {g.greedy.data(), other.data()};
  const size_t lengths[] = {g.greedy.size(), other.size()};
  double sums[2];
  int32_t greedy[2];
  params_.continuations = conts;
  params_.continuation_lengths = lengths;
  params_.n_continuations = 2;
  params_.logprob_sums = sums;
  params_.is_greedy = greedy;
  ASSERT_EQ(gemmakit_session_score(session_, g.ids.data(), g.ids.size(), &params_), GEMMAKIT_OK)
      << gemmakit_last_error();
  EXPECT_EQ(greedy[0], 1);
  EXPECT_EQ(greedy[1], 0);
  EXPECT_GT(sums[0], sums[1]);
}

TEST_F(ScoringTest, BadInputFailsWithoutTouchingTheSession) {
  const int32_t prompt[] = {2, 10, 11};
  const int32_t bad[] = {5, 640};
  const int32_t* conts[] = {bad};
  size_t lengths[] = {2};
  params_.continuations = conts;
  params_.continuation_lengths = lengths;
  params_.n_continuations = 1;
  EXPECT_EQ(gemmakit_session_score(session_, prompt, 3, &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("640"), std::string::npos) << gemmakit_last_error();
  lengths[0] = 0;
  EXPECT_EQ(gemmakit_session_score(session_, prompt, 3, &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_score(session_, prompt, 0, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_score(session_, nullptr, 3, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_score(nullptr, prompt, 3, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  params_.continuations = nullptr;
  lengths[0] = 2;
  EXPECT_EQ(gemmakit_session_score(session_, prompt, 3, &params_), GEMMAKIT_ERR_INVALID_ARGUMENT);

  // A continuation that would overflow an 8-position context (its last token is scored, never
  // evaluated: 3 + 6 positions would fit, 3 + 7 do not).
  gemmakit_session_params sp;
  ASSERT_EQ(gemmakit_session_params_init(&sp, sizeof sp), GEMMAKIT_OK);
  sp.context_length = 8;
  gemmakit_session* small = nullptr;
  ASSERT_EQ(gemmakit_session_create(model_, &sp, &small), GEMMAKIT_OK);
  const std::vector<int32_t> seven(7, 9);
  const int32_t* long_conts[] = {seven.data()};
  size_t long_len[] = {7};
  params_.continuations = long_conts;
  params_.continuation_lengths = long_len;
  EXPECT_EQ(gemmakit_session_score(small, prompt, 3, &params_), GEMMAKIT_ERR_CONTEXT_FULL);
  int64_t n_past = -1;
  ASSERT_EQ(gemmakit_session_n_past(small, &n_past), GEMMAKIT_OK);
  EXPECT_EQ(n_past, 0);
  ASSERT_EQ(gemmakit_session_n_past(session_, &n_past), GEMMAKIT_OK);
  EXPECT_EQ(n_past, 0);
  long_len[0] = 6;
  EXPECT_EQ(gemmakit_session_score(small, prompt, 3, &params_), GEMMAKIT_OK) << gemmakit_last_error();
  gemmakit_session_free(small);
}

}  // namespace
