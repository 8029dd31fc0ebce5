#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "gemmakit/sampling.h"
#include "gemmakit/status.h"

namespace gemmakit {
namespace {

std::map<int32_t, int> Histogram(const std::vector<float>& logits, const SamplingParams& p, int draws,
                                 const std::vector<int32_t>& recent = {}) {
  Rng rng(p.seed);
  std::map<int32_t, int> h;
  for (int i = 0; i < draws; ++i) ++h[SampleToken(logits.data(), static_cast<int32_t>(logits.size()), p, recent, rng)];
  return h;
}

TEST(Sampler, GreedyPicksArgmaxAndLowestIdOnTies) {
  SamplingParams p;
  p.temperature = 0;
  Rng rng(1);
  std::vector<float> l = {0.1f, 3.f, -1.f, 3.f};
  EXPECT_EQ(SampleToken(l.data(), 4, p, {}, rng), 1);
}

TEST(Sampler, TopKKeepsOnlyTheKMostLikely) {
  SamplingParams p;
  p.top_k = 2;
  p.top_p = 1.f;
  const auto h = Histogram({1.f, 5.f, 0.f, 4.9f, 2.f}, p, 2000);
  for (const auto& [tok, n] : h) EXPECT_TRUE(tok == 1 || tok == 3) << tok;
  EXPECT_EQ(h.size(), 2u);
}

TEST(Sampler, TopPCutsTheTail) {
  SamplingParams p;
  p.top_k = 0;
  p.top_p = 0.5f;
  // p ≈ {0.64, 0.24, 0.09, 0.03}: the first token alone reaches 0.5.
  const auto h = Histogram({3.f, 2.f, 1.f, 0.f}, p, 500);
  EXPECT_EQ(h.size(), 1u);
  EXPECT_EQ(h.begin()->first, 0);
}

TEST(Sampler, MinPDropsTokensFarBelowTheBest) {
  SamplingParams p;
  p.top_k = 0;
  p.top_p = 1.f;
  p.min_p = 0.2f;
  // Relative probabilities 1, e^-1 = 0.37, e^-2 = 0.14: the last falls under 0.2.
  const auto h = Histogram({2.f, 1.f, 0.f}, p, 3000);
  EXPECT_EQ(h.count(2), 0u);
  EXPECT_GT(h.at(1), 300);
}

TEST(Sampler, TemperatureFollowsTheSoftmax) {
  SamplingParams p;
  p.top_k = 0;
  p.top_p = 1.f;
  p.temperature = 2.f;
  const int draws = 20000;
  const auto h = Histogram({std::log(4.f) * 2, 0.f}, p, draws);  // at T=2: odds 4 : 1
  EXPECT_NEAR(static_cast<double>(h.at(0)) / draws, 0.8, 0.02);
}

TEST(Sampler, RepetitionPenaltyDemotesRecentTokens) {
  SamplingParams p;
  p.temperature = 0;
  p.repeat_penalty = 3.f;
  Rng rng(0);
  std::vector<float> l = {2.f, 1.f, -1.f};
  EXPECT_EQ(SampleToken(l.data(), 3, p, {}, rng), 0);
  EXPECT_EQ(SampleToken(l.data(), 3, p, {0}, rng), 1);   // 2/3 < 1
  p.repeat_last_n = 1;
  EXPECT_EQ(SampleToken(l.data(), 3, p, {0, 2}, rng), 0);  // token 0 is outside the last 1
}

TEST(Sampler, SameSeedSameDraws) {
  SamplingParams p;
  p.seed = 1234;
  std::vector<float> l(100);
  for (size_t i = 0; i < l.size(); ++i) l[i] = std::sin(static_cast<float>(i));
  EXPECT_EQ(Histogram(l, p, 200), Histogram(l, p, 200));
  SamplingParams q = p;
  q.seed = 4321;
  EXPECT_NE(Histogram(l, p, 200), Histogram(l, q, 200));
}

TEST(Sampler, RejectsOutOfRangeParams) {
  std::vector<SamplingParams> bad(6);
  bad[0].temperature = -1;
  bad[1].top_p = 0;
  bad[2].top_p = 1.5f;
  bad[3].min_p = 2;
  bad[4].repeat_penalty = 0;
  bad[5].top_k = -3;
  for (const auto& p : bad) EXPECT_THROW(ValidateSamplingParams(p), Error);
  EXPECT_NO_THROW(ValidateSamplingParams(SamplingParams{}));
}

}  // namespace
}  // namespace gemmakit
