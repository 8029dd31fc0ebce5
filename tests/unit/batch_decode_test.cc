// Batched decoding (Session::DecodeBatch, gemmakit_batch_decode): sequences advanced together in
// one forward pass continue exactly as they do alone under greedy sampling, with logits equal up
// to float summation order (batches of 4 or more take the prompt GEMMs, smaller ones the same dot
// kernels as a lone decode step).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "gemmakit.h"
#include "gemmakit/session.h"
#include "test_util.h"

namespace gemmakit {
namespace {

std::vector<int32_t> Prompt(const Model& m, int i) {
  return m.tokenizer().Encode("Sequence " + std::to_string(i) + " starts with the words number " +
                              std::to_string(i * 13) + std::string(static_cast<size_t>(i), '!'), true);
}

SamplingParams Greedy() {
  SamplingParams p;
  p.temperature = 0.f;
  return p;
}

class BatchDecode : public ::testing::TestWithParam<int> {};

TEST_P(BatchDecode, GreedyContinuationsEqualSoloRuns) {
  const int batch = GetParam();
  const char* model_dir = batch % 2 ? "gemma2-tiny" : "gemma3-tiny";  // sliding rings, two families
  const auto model = Model::Load(test::DataPath(model_dir));
  constexpr int kSteps = 12;
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  std::vector<std::vector<int32_t>> solo(batch);
  std::vector<std::vector<float>> solo_logits(batch);
  for (int b = 0; b < batch; ++b) {
    Session s(model);
    s.Evaluate(Prompt(*model, b));
    for (int t = 0; t < kSteps; ++t) {
      const int32_t id = s.Sample(Greedy());
      solo[b].push_back(id);
      s.Evaluate({id});
    }
    solo_logits[b].assign(s.logits(0), s.logits(0) + vocab);
  }
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<Session*> ptrs;
  for (int b = 0; b < batch; ++b) {
    sessions.push_back(std::make_unique<Session>(model));
    sessions.back()->Evaluate(Prompt(*model, b));
    ptrs.push_back(sessions.back().get());
  }
  std::vector<std::vector<int32_t>> together(batch);
  for (int t = 0; t < kSteps; ++t) {
    std::vector<int32_t> next(batch);
    for (int b = 0; b < batch; ++b) together[b].push_back(next[b] = sessions[b]->Sample(Greedy()));
    Session::DecodeBatch(ptrs, next);
  }
  for (int b = 0; b < batch; ++b) {
    EXPECT_EQ(together[b], solo[b]) << "sequence " << b;
    EXPECT_EQ(sessions[b]->n_past(), static_cast<int64_t>(Prompt(*model, b).size() + kSteps));
    for (size_t v = 0; v < vocab; ++v) {
      ASSERT_NEAR(sessions[b]->logits(0)[v], solo_logits[b][v], 1e-4) << "sequence " << b << " id " << v;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, BatchDecode, ::testing::Values(1, 3, 4, 7));

TEST(BatchDecode, BadBatchesChangeNoSession) {
  const auto model = Model::Load(test::DataPath("gemma3-tiny"));
  const auto other = Model::Load(test::DataPath("gemma3-tiny"));
  Session a(model), b(model), c(other);
  a.Evaluate({2, 10});
  b.Evaluate({2, 11});
  c.Evaluate({2, 12});
  auto status_of = [](auto fn) { return test::StatusOf(fn); };
  EXPECT_EQ(status_of([&] { Session::DecodeBatch({&a, &a}, {5, 6}); }), Status::kInvalidArgument);
  EXPECT_EQ(status_of([&] { Session::DecodeBatch({&a, &c}, {5, 6}); }), Status::kInvalidArgument);
  EXPECT_EQ(status_of([&] { Session::DecodeBatch({&a, &b}, {5}); }), Status::kInvalidArgument);
  EXPECT_EQ(status_of([&] { Session::DecodeBatch({&a, &b}, {5, -1}); }), Status::kInvalidArgument);
  EXPECT_EQ(status_of([&] { Session::DecodeBatch({}, {}); }), Status::kInvalidArgument);
  EXPECT_EQ(a.n_past(), 2);
  EXPECT_EQ(b.n_past(), 2);
}

TEST(BatchDecode, CApiMatchesSessionEval) {
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath("gemma3-tiny").c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_session* s[3] = {nullptr, nullptr, nullptr};
  for (auto& x : s) ASSERT_EQ(gemmakit_session_create(m, nullptr, &x), GEMMAKIT_OK);
  const int32_t prompt[3][2] = {{2, 100}, {2, 200}, {2, 300}};
  for (int i = 0; i < 3; ++i) ASSERT_EQ(gemmakit_session_eval(s[i], prompt[i], 2, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  const int32_t next[3] = {7, 8, 9};
  ASSERT_EQ(gemmakit_batch_decode(s, 3, next), GEMMAKIT_OK) << gemmakit_last_error();
  gemmakit_session* alone = nullptr;
  ASSERT_EQ(gemmakit_session_create(m, nullptr, &alone), GEMMAKIT_OK);
  for (int i = 0; i < 3; ++i) {
    const int32_t ids[3] = {prompt[i][0], prompt[i][1], next[i]};
    gemmakit_session_reset(alone);
    ASSERT_EQ(gemmakit_session_eval(alone, ids, 3, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
    const float *want = nullptr, *got = nullptr;
    size_t rows = 0, vocab = 0;
    ASSERT_EQ(gemmakit_session_logits(alone, &want, &rows, &vocab), GEMMAKIT_OK);
    ASSERT_EQ(gemmakit_session_logits(s[i], &got, &rows, &vocab), GEMMAKIT_OK);
    ASSERT_EQ(rows, 1u);
    for (size_t v = 0; v < vocab; ++v) ASSERT_NEAR(got[v], want[v], 1e-4) << i << " " << v;
  }
  gemmakit_session* with_null[2] = {s[0], nullptr};
  EXPECT_EQ(gemmakit_batch_decode(with_null, 2, next), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()), "");
  EXPECT_EQ(gemmakit_batch_decode(nullptr, 2, next), GEMMAKIT_ERR_INVALID_ARGUMENT);
  for (auto& x : s) gemmakit_session_free(x);
  gemmakit_session_free(alone);
  gemmakit_model_free(m);
}

}  // namespace
}  // namespace gemmakit
