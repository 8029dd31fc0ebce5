// The C ABI of a model's recommended sampling: gemmakit_sampling_params_from_model and
// gemmakit_model_info.recommended_sampling, bad arguments, and NULL sampling params meaning the
// model's recommendation in generation and in gemmakit_session_sample.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <string>

#include "gemmakit.h"
#include "test_util.h"

namespace {

class CapiSamplingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The test model's weights with a file that asks for greedy decoding.
    greedy_dir_ = gemmakit::test::LinkModelWithGenerationConfig(scratch_, "gemma3-tiny", R"({"do_sample": false})");
    ASSERT_EQ(gemmakit_model_load(greedy_dir_.c_str(), nullptr, &greedy_), GEMMAKIT_OK) << gemmakit_last_error();
    ASSERT_EQ(gemmakit_model_load(gemmakit::test::DataPath("gemma3-tiny").c_str(), nullptr, &plain_), GEMMAKIT_OK);
  }
  void TearDown() override {
    gemmakit_model_free(greedy_);
    gemmakit_model_free(plain_);
  }
  // The text `sampling` generates on `model` from a fresh session.
  static std::string Generate(gemmakit_model* model, const gemmakit_sampling_params* sampling) {
    gemmakit_session* s = nullptr;
    EXPECT_EQ(gemmakit_session_create(model, nullptr, &s), GEMMAKIT_OK);
    gemmakit_generate_params p;
    gemmakit_generate_params_init(&p, sizeof p);
    p.max_tokens = 12;
    p.sampling = sampling;
    gemmakit_generation g{};
    g.struct_size = sizeof g;
    EXPECT_EQ(gemmakit_session_generate(s, "The sea", &p, &g), GEMMAKIT_OK) << gemmakit_last_error();
    std::string text(g.text ? g.text : "", g.text_len);
    gemmakit_session_free(s);
    return text;
  }
  gemmakit::test::ScratchDirs scratch_;
  std::string greedy_dir_;
  gemmakit_model* greedy_ = nullptr;
  gemmakit_model* plain_ = nullptr;
};

TEST_F(CapiSamplingTest, FromModelIsInitThenWhatTheCheckpointRecommends) {
  gemmakit_sampling_params init, plain, greedy;
  ASSERT_EQ(gemmakit_sampling_params_init(&init, sizeof init), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_sampling_params_from_model(plain_, &plain, sizeof plain), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_sampling_params_from_model(greedy_, &greedy, sizeof greedy), GEMMAKIT_OK);
  EXPECT_EQ(std::memcmp(&plain, &init, sizeof init), 0);  // no generation_config.json: gemmakit's defaults
  EXPECT_EQ(greedy.temperature, 0.f);
  EXPECT_EQ(greedy.top_k, init.top_k);
  EXPECT_EQ(greedy.top_p, init.top_p);
  EXPECT_EQ(greedy.seed, GEMMAKIT_SEED_RANDOM);
  EXPECT_EQ(greedy.struct_size, sizeof greedy);

  gemmakit_model_info info{};
  info.struct_size = sizeof info;
  ASSERT_EQ(gemmakit_model_get_info(greedy_, &info), GEMMAKIT_OK);
  EXPECT_EQ(info.recommended_sampling, GEMMAKIT_SAMPLING_TEMPERATURE);
  ASSERT_EQ(gemmakit_model_get_info(plain_, &info), GEMMAKIT_OK);
  EXPECT_EQ(info.recommended_sampling, 0);
}

TEST_F(CapiSamplingTest, BadArgumentsGiveAStatusAndAMessage) {
  gemmakit_sampling_params p;
  EXPECT_EQ(gemmakit_sampling_params_from_model(nullptr, &p, sizeof p), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("model is NULL"), std::string::npos) << gemmakit_last_error();
  EXPECT_EQ(gemmakit_sampling_params_from_model(greedy_, nullptr, sizeof p), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("NULL params"), std::string::npos) << gemmakit_last_error();
  EXPECT_EQ(gemmakit_sampling_params_from_model(greedy_, &p, 0), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_sampling_params_from_model(greedy_, &p, 2), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_sampling_params_from_model(greedy_, &p, sizeof p), GEMMAKIT_OK);
  EXPECT_STREQ(gemmakit_last_error(), "");
}

TEST_F(CapiSamplingTest, AnOlderCallersShorterStructGetsOnlyWhatItHas) {
  // A caller built before min_p existed: struct_size covers temperature, top_k and top_p.
  unsigned char buf[sizeof(gemmakit_sampling_params)];
  std::memset(buf, 0xAB, sizeof buf);
  const size_t old_size = offsetof(gemmakit_sampling_params, min_p);
  ASSERT_EQ(gemmakit_sampling_params_from_model(greedy_, reinterpret_cast<gemmakit_sampling_params*>(buf), old_size),
            GEMMAKIT_OK);
  gemmakit_sampling_params got;
  std::memcpy(&got, buf, sizeof got);
  EXPECT_EQ(got.struct_size, old_size);
  EXPECT_EQ(got.temperature, 0.f);
  for (size_t i = old_size; i < sizeof buf; ++i) ASSERT_EQ(buf[i], 0xAB) << "byte " << i << " written";
}

// NULL sampling params follow the model (llama.cpp's tools use a GGUF file's keys so): this model
// says greedy, so every run, whatever its random seed, gives the greedy text.
TEST_F(CapiSamplingTest, NullSamplingMeansTheModelsRecommendation) {
  gemmakit_sampling_params greedy;
  gemmakit_sampling_params_init(&greedy, sizeof greedy);
  greedy.temperature = 0;
  const std::string want = Generate(greedy_, &greedy);
  ASSERT_FALSE(want.empty());
  for (int run = 0; run < 3; ++run) EXPECT_EQ(Generate(greedy_, nullptr), want) << "run " << run;
  // Explicit params are the caller's: init's temperature 1 samples, off the greedy path.
  gemmakit_sampling_params init;
  gemmakit_sampling_params_init(&init, sizeof init);
  init.seed = 7;
  EXPECT_NE(Generate(greedy_, &init), want);
  EXPECT_EQ(Generate(greedy_, &init), Generate(plain_, &init));  // same weights, same seed

  gemmakit_session* s = nullptr;
  ASSERT_EQ(gemmakit_session_create(greedy_, nullptr, &s), GEMMAKIT_OK);
  const int32_t ids[] = {2, 366, 424};
  ASSERT_EQ(gemmakit_session_eval(s, ids, 3, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  int32_t argmax = -1, drawn = -1;
  ASSERT_EQ(gemmakit_session_sample(s, &greedy, 1, &argmax), GEMMAKIT_OK);
  for (int draw = 0; draw < 4; ++draw) {
    ASSERT_EQ(gemmakit_session_sample(s, nullptr, 1, &drawn), GEMMAKIT_OK) << gemmakit_last_error();
    EXPECT_EQ(drawn, argmax);
  }
  gemmakit_session_free(s);
}

}  // namespace
