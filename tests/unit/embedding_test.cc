// EmbeddingGemma as sentence-transformers publishes it, against the reference's three stages per
// case (tests/data/embeddinggemma-tiny: transformers' Gemma3TextModel with bidirectional
// attention, sentence-transformers' Pooling, Dense, Dense, Normalize).
#include "gemmakit/embedding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "embedding_golden.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "model/embedding_head.h"
#include "test_util.h"

namespace gemmakit {
namespace {

constexpr char kModel[] = "embeddinggemma-tiny";

using Case = test::EmbeddingGoldenCase;

std::vector<Case> Cases() { return test::EmbeddingGoldenCases(); }

float MaxAbsDiff(const std::vector<float>& a, const float* b, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

class EmbeddingGolden : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = Model::Load(test::DataPath(kModel)); }
  static void TearDownTestSuite() { model_.reset(); }
  static std::shared_ptr<const Model> model_;
};
std::shared_ptr<const Model> EmbeddingGolden::model_;

// Each case alone: ids, then token embeddings (2e-4), pooled (1e-4) and embedding (1e-5) as the
// golden's tolerances say. A causal mask, an unhalved window, or a missing <bos> / <eos> / Dense
// layer move these by 0.02 and more.
TEST_F(EmbeddingGolden, EveryCaseMatchesAllThreeStages) {
  const std::vector<Case> cases = Cases();
  ASSERT_EQ(cases.size(), 5u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EmbedOptions o;
    o.prompt_name = c.prompt_name;
    o.n_threads = 2;
    std::vector<EmbeddingTrace> traces;
    const std::vector<float> e = Embed(*model_, {c.text}, o, &traces);
    ASSERT_EQ(traces.size(), 1u);
    EXPECT_EQ(traces[0].ids, c.ids);
    ASSERT_EQ(traces[0].token_embeddings.size(), c.token_embeddings.size());
    EXPECT_LT(MaxAbsDiff(traces[0].token_embeddings, c.token_embeddings.data(), c.token_embeddings.size()), 2e-4f);
    ASSERT_EQ(traces[0].pooled.size(), c.pooled.size());
    EXPECT_LT(MaxAbsDiff(traces[0].pooled, c.pooled.data(), c.pooled.size()), 1e-4f);
    ASSERT_EQ(e.size(), c.embedding.size());
    EXPECT_LT(MaxAbsDiff(e, c.embedding.data(), e.size()), 1e-5f);
  }
}

// Texts of different lengths in one pass (one encoder pass, a cache per text) give what each
// gives alone: no query sees another text's keys.
TEST_F(EmbeddingGolden, ABatchEmbedsEachTextAsAlone) {
  const std::vector<Case> cases = Cases();
  std::vector<std::string> texts;
  for (const Case& c : cases) texts.push_back(c.text);
  const std::vector<float> batch = Embed(*model_, texts);
  const size_t dim = EmbeddingDim(*model_);
  ASSERT_EQ(batch.size(), texts.size() * dim);
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!cases[i].prompt_name.empty()) continue;  // the golden embeds these with their prompt
    SCOPED_TRACE(cases[i].name);
    EXPECT_LT(MaxAbsDiff(cases[i].embedding, &batch[i * dim], dim), 1e-5f);
  }
  const std::vector<float> alone = Embed(*model_, {texts[0]});
  EXPECT_LT(MaxAbsDiff(alone, &batch[0], dim), 1e-6f);
}

// A named prompt is the same as writing its text before the input.
TEST_F(EmbeddingGolden, PromptNameEqualsWritingThePrompt) {
  EmbedOptions query;
  query.prompt_name = "query";
  const std::vector<float> named = Embed(*model_, {"Which planet is known as the Red Planet?"}, query);
  const std::vector<float> written = Embed(*model_, {"task: search result | query: Which planet is known as the Red Planet?"});
  EXPECT_EQ(named, written);
  ASSERT_FALSE(EmbeddingPrompts(*model_).empty());
  EXPECT_EQ(EmbeddingPrompts(*model_)[0].first, "query");
}

// Matryoshka: the first dim values of the full embedding, renormalised to unit length.
TEST_F(EmbeddingGolden, TruncationKeepsTheLeadingValuesRenormalised) {
  const Case c = Cases()[0];
  EmbedOptions o;
  o.prompt_name = c.prompt_name;
  for (size_t dim : {32u, 16u, 1u}) {
    o.dim = dim;
    const std::vector<float> e = Embed(*model_, {c.text}, o);
    ASSERT_EQ(e.size(), dim);
    double norm = 0, ref_norm = 0;
    for (size_t i = 0; i < dim; ++i) {
      norm += static_cast<double>(e[i]) * e[i];
      ref_norm += static_cast<double>(c.embedding[i]) * c.embedding[i];
    }
    EXPECT_NEAR(norm, 1.0, 1e-5);
    for (size_t i = 0; i < dim; ++i) EXPECT_NEAR(e[i], c.embedding[i] / std::sqrt(ref_norm), 1e-5) << dim << " " << i;
  }
}

TEST_F(EmbeddingGolden, BadRequestsFailClearly) {
  EmbedOptions o;
  o.dim = EmbeddingDim(*model_) + 1;
  EXPECT_EQ(test::StatusOf([&] { Embed(*model_, {"x"}, o); }), Status::kInvalidArgument);
  o = {};
  o.prompt_name = "no such prompt";
  try {
    Embed(*model_, {"x"}, o);
    ADD_FAILURE() << "an unknown prompt name was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("STS"), std::string::npos) << e.what();  // lists the known names
  }
  // An encoder takes no session: it cannot generate.
  EXPECT_EQ(test::StatusOf([&] { Session s(model_); }), Status::kUnsupported);
}

TEST(Embedding, ACausalModelComputesNone) {
  auto m = Model::Load(test::DataPath("gemma3-tiny"));
  EXPECT_EQ(EmbeddingDim(*m), 0u);
  try {
    Embed(*m, {"Hello"});
    ADD_FAILURE() << "a model without an embedding head embedded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("modules.json"), std::string::npos) << e.what();
  }
}

// The pooling modes EmbeddingGemma does not use, on a 3-token, 2-wide input.
TEST(EmbeddingHeadPooling, ClsMaxLastTokenAndMean) {
  const float tokens[] = {1, -4, 3, 2, -2, 5};
  EmbeddingHParams hp;
  hp.pooling_dim = 2;
  hp.tensors = std::make_shared<TensorIndex>();
  auto pool = [&](EmbeddingPooling mode) {
    hp.pooling = mode;
    EmbeddingHead head(hp, 2);
    std::vector<float> out(2);
    head.Pool(tokens, 3, out.data());
    return out;
  };
  EXPECT_EQ(pool(EmbeddingPooling::kCls), (std::vector<float>{1, -4}));
  EXPECT_EQ(pool(EmbeddingPooling::kMax), (std::vector<float>{3, 5}));
  EXPECT_EQ(pool(EmbeddingPooling::kLastToken), (std::vector<float>{-2, 5}));
  EXPECT_EQ(pool(EmbeddingPooling::kMean), (std::vector<float>{2.f / 3.f, 1}));
}

}  // namespace
}  // namespace gemmakit
