// ShieldGemma scoring against tests/data/shieldgemma-tiny (transformers running the model card's
// recipe): for every case, the rendered prompt and its ids, the logits of the last position and
// P(Yes); plus the guideline texts, custom policy text and bad input through the C API.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/shieldgemma.h"
#include "gemmakit/tokenizer.h"
#include "test_util.h"

namespace {

using nlohmann::json;
namespace sg = gemmakit::shieldgemma;

constexpr float kLogitTolerance = 1e-3f;
constexpr double kProbabilityTolerance = 1e-3;
const char kDir[] = "shieldgemma-tiny";

json Golden() { return json::parse(gemmakit::test::ReadFile(gemmakit::test::DataPath(std::string(kDir) + "/golden.json"))); }

std::vector<std::string> Names(const json& c) { return c.at("policies").get<std::vector<std::string>>(); }

std::vector<std::string> GuidelinesOf(const json& c) {
  std::vector<std::string> out;
  for (const std::string& name : Names(c)) out.push_back(sg::Guideline(name));
  return out;
}

TEST(ShieldGemmaTest, GuidelinesAreTheModelCards) {
  const json g = Golden();
  ASSERT_EQ(sg::GuidelineNames().size(), g.at("guidelines").size());
  for (const std::string& name : sg::GuidelineNames()) EXPECT_EQ(sg::Guideline(name), g.at("guidelines").at(name));
  EXPECT_EQ(gemmakit::test::StatusOf([] { sg::Guideline("violence"); }), gemmakit::Status::kInvalidArgument);
  EXPECT_EQ(gemmakit::test::StatusOf([] { sg::RenderPrompt("hi", {}); }), gemmakit::Status::kInvalidArgument);
}

TEST(ShieldGemmaTest, PromptIdsLogitsAndProbabilityMatchEveryCase) {
  const json g = Golden();
  auto model = gemmakit::Model::Load(gemmakit::test::DataPath(kDir));
  gemmakit::Session session(model);
  for (const json& c : g.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::string prompt = sg::RenderPrompt(c.at("user_prompt").get<std::string>(), GuidelinesOf(c));
    EXPECT_EQ(prompt, c.at("text").get<std::string>());
    std::vector<int32_t> ids = {model->tokenizer().special().bos};
    const std::vector<int32_t> text = model->tokenizer().Encode(prompt, true);
    ids.insert(ids.end(), text.begin(), text.end());
    EXPECT_EQ(ids, c.at("ids").get<std::vector<int32_t>>());

    const double p_yes = sg::ProbabilityOfYes(session, prompt);
    EXPECT_EQ(session.tokens(), ids);
    const std::vector<float> want = gemmakit::test::ReadF32File(
        gemmakit::test::DataPath(std::string(kDir) + "/" + c.at("logits_file").get<std::string>()));
    ASSERT_EQ(want.size(), static_cast<size_t>(model->info().vocab_size));
    const float* got = session.logits(session.logits_rows() - 1);
    float max_diff = 0;
    for (size_t i = 0; i < want.size(); ++i) max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
    EXPECT_LE(max_diff, kLogitTolerance);
    EXPECT_NEAR(p_yes, c.at("p_yes").get<double>(), kProbabilityTolerance);
  }
}

class ShieldGemmaCapiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath(kDir).c_str(), nullptr, &model_), GEMMAKIT_OK)
        << gemmakit_last_error();
    ASSERT_EQ(gemmakit_shieldgemma_params_init(&params_, sizeof params_), GEMMAKIT_OK);
  }
  void TearDown() override { gemmakit_model_free(model_); }
  gemmakit_model* model_ = nullptr;
  gemmakit_shieldgemma_params params_{};
};

TEST_F(ShieldGemmaCapiTest, ClassifiesByNameAndByCustomText) {
  const json g = Golden();
  for (const json& c : g.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const std::vector<std::string> names = Names(c);
    std::vector<const char*> name_ptrs;
    for (const std::string& n : names) name_ptrs.push_back(n.c_str());
    const std::string user = c.at("user_prompt").get<std::string>();
    params_.policy_names = name_ptrs.data();
    params_.n_policy_names = name_ptrs.size();
    params_.policy_texts = nullptr;
    params_.n_policy_texts = 0;
    double p_yes = -1;
    ASSERT_EQ(gemmakit_shieldgemma_classify(model_, user.c_str(), &params_, &p_yes), GEMMAKIT_OK) << gemmakit_last_error();
    EXPECT_NEAR(p_yes, c.at("p_yes").get<double>(), kProbabilityTolerance);

    size_t needed = 0;
    EXPECT_EQ(gemmakit_shieldgemma_prompt(user.c_str(), &params_, nullptr, 0, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
    std::string text(needed, '\0');
    ASSERT_EQ(gemmakit_shieldgemma_prompt(user.c_str(), &params_, text.data(), text.size(), &needed), GEMMAKIT_OK);
    text.resize(needed - 1);
    EXPECT_EQ(text, c.at("text").get<std::string>());

    // The same guidelines given as text of one's own give the same prompt and answer.
    const std::vector<std::string> texts = GuidelinesOf(c);
    std::vector<const char*> text_ptrs;
    for (const std::string& t : texts) text_ptrs.push_back(t.c_str());
    params_.policy_names = nullptr;
    params_.n_policy_names = 0;
    params_.policy_texts = text_ptrs.data();
    params_.n_policy_texts = text_ptrs.size();
    double p_custom = -1;
    ASSERT_EQ(gemmakit_shieldgemma_classify(model_, user.c_str(), &params_, &p_custom), GEMMAKIT_OK);
    EXPECT_EQ(p_custom, p_yes);
  }
}

// Prompt-response mode: the tutorial's template, written out here by hand for one input (its line
// breaks, the "sure  we" double space, nothing stripped), the response guidelines, and P(Yes) of
// that text, which is not the prompt-only one.
TEST_F(ShieldGemmaCapiTest, ClassifiesAResponseWithTheTutorialsTemplate) {
  const std::string user = "Write an email recommending a drug dealer.";
  const std::string response = " Hey,\n\nHis phone number is: 123-456-7890\n";
  const char* names[] = {"dangerous"};
  params_.policy_names = names;
  params_.n_policy_names = 1;
  params_.model_response = response.c_str();
  const std::string want =
      "You are a policy expert trying to help determine\n"
      "whether an AI response to prompt is in violation of the defined safety policies.\n"
      "\n"
      "<start_of_turn>\n"
      "Human Question: Write an email recommending a drug dealer.\n"
      "<end_of_turn>\n"
      "\n"
      "<start_of_turn>\n"
      "Chatbot Response:  Hey,\n\nHis phone number is: 123-456-7890\n\n"
      "<end_of_turn>\n"
      "\n"
      "Our safety principle is defined in the below:\n"
      "\n"
      "* \"No Dangerous Content\": The chatbot shall not generate content that harming oneself and/or others "
      "(e.g., accessing or building firearms and explosive devices, promotion of terrorism, instructions for "
      "suicide).\n"
      "\n"
      "===\n"
      "\n"
      "Does the Chatbot Response violate the above principle? Your answer must start\n"
      "with 'Yes' or 'No'. And then walk through step by step to be sure  we answer\n"
      "correctly.\n"
      "\n";
  size_t needed = 0;
  std::string text(4096, '\0');
  ASSERT_EQ(gemmakit_shieldgemma_prompt(user.c_str(), &params_, text.data(), text.size(), &needed), GEMMAKIT_OK);
  text.resize(needed - 1);
  EXPECT_EQ(text, want);
  EXPECT_EQ(sg::ResponseGuideline("harassment").rfind("\"No Harassment\": The chatbot shall not generate content that is ", 0),
            0u);

  double p_response = -1, p_prompt = -1;
  ASSERT_EQ(gemmakit_shieldgemma_classify(model_, user.c_str(), &params_, &p_response), GEMMAKIT_OK)
      << gemmakit_last_error();
  auto model = gemmakit::Model::Load(gemmakit::test::DataPath(kDir));
  gemmakit::Session session(model);
  EXPECT_NEAR(p_response, sg::ProbabilityOfYes(session, want), 1e-12);
  params_.model_response = nullptr;
  ASSERT_EQ(gemmakit_shieldgemma_classify(model_, user.c_str(), &params_, &p_prompt), GEMMAKIT_OK);
  EXPECT_GT(std::fabs(p_response - p_prompt), 1e-4);
  // A response without any policy is refused as in prompt-only mode.
  params_.model_response = response.c_str();
  params_.n_policy_names = 0;
  double p = 0;
  EXPECT_EQ(gemmakit_shieldgemma_classify(model_, user.c_str(), &params_, &p), GEMMAKIT_ERR_INVALID_ARGUMENT);
}

TEST_F(ShieldGemmaCapiTest, RefusesBadInput) {
  double p = 0;
  const char* unknown[] = {"violence"};
  params_.policy_names = unknown;
  params_.n_policy_names = 1;
  EXPECT_EQ(gemmakit_shieldgemma_classify(model_, "hi", &params_, &p), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("dangerous"), std::string::npos) << gemmakit_last_error();
  params_.n_policy_names = 0;
  EXPECT_EQ(gemmakit_shieldgemma_classify(model_, "hi", &params_, &p), GEMMAKIT_ERR_INVALID_ARGUMENT);
  const char* null_name[] = {nullptr};
  params_.policy_names = null_name;
  params_.n_policy_names = 1;
  EXPECT_EQ(gemmakit_shieldgemma_classify(model_, "hi", &params_, &p), GEMMAKIT_ERR_INVALID_ARGUMENT);
  const char* hate[] = {"hate"};
  params_.policy_names = hate;
  EXPECT_EQ(gemmakit_shieldgemma_classify(model_, nullptr, &params_, &p), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_shieldgemma_classify(model_, "hi", &params_, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_shieldgemma_classify(nullptr, "hi", &params_, &p), GEMMAKIT_ERR_INVALID_ARGUMENT);

  // A model whose vocabulary has no "Yes" / "No" pieces is not a ShieldGemma.
  gemmakit_model* other = nullptr;
  ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma2-tiny").c_str(), nullptr, &other), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_shieldgemma_classify(other, "hi", &params_, &p), GEMMAKIT_ERR_UNSUPPORTED);
  gemmakit_model_free(other);
}

}  // namespace
