// generation_config.json as transformers' GenerationConfig reads it: the published Gemma 3 files,
// greedy without do_sample, GenerationConfig's defaults for what a sampling file leaves out, and
// malformed values ignored (named in `ignored`) rather than failing the load.
#include <gtest/gtest.h>

#include "io/generation_config.h"
#include "test_util.h"

namespace gemmakit {
namespace {

// Whether some `ignored` message names `needle`.
bool Mentions(const SamplingHParams& s, const std::string& needle) {
  for (const std::string& m : s.ignored) {
    if (m.find(needle) != std::string::npos) return true;
  }
  return false;
}

// s sets these five fields, and repeat_last_n not (no penalty to spread over the sequence).
void ExpectSampling(const SamplingHParams& s, float temperature, int32_t top_k, float top_p, float min_p,
                    float repeat_penalty) {
  EXPECT_EQ(s.temperature, temperature);
  EXPECT_EQ(s.top_k, top_k);
  EXPECT_EQ(s.top_p, top_p);
  EXPECT_EQ(s.min_p, min_p);
  EXPECT_EQ(s.repeat_penalty, repeat_penalty);
  EXPECT_FALSE(s.repeat_last_n);
}

TEST(GenerationConfig, PublishedGemma3FilesSampleWithTopK64AndTopP095) {
  for (const char* name : {"gemma-3-1b-it", "gemma-3-270m-it", "gemma-3-4b-it"}) {
    SCOPED_TRACE(name);
    const SamplingHParams s = ReadGenerationConfig(test::DataPath(std::string("published-configs/") + name));
    EXPECT_TRUE(s.ignored.empty());
    // do_sample true, top_k 64, top_p 0.95; no temperature, so GenerationConfig's 1.0.
    ExpectSampling(s, 1.f, 64, 0.95f, 0.f, 1.f);
  }
}

TEST(GenerationConfig, WithoutDoSampleIsGreedyWhateverTheOtherFieldsSay) {
  // Only token ids and the cache, as the Gemma 2 folders' files: GenerationConfig's do_sample False.
  const SamplingHParams ids_only =
      ParseGenerationConfig(R"({"bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 107]})");
  EXPECT_EQ(ids_only.temperature, 0.f);
  EXPECT_FALSE(ids_only.top_k || ids_only.top_p || ids_only.min_p || ids_only.repeat_penalty);
  EXPECT_TRUE(ids_only.ignored.empty());

  // Greedy never reads temperature; the stated top_k / top_p stay for a caller that samples anyway.
  const SamplingHParams greedy =
      ParseGenerationConfig(R"({"do_sample": false, "temperature": 0.7, "top_k": 40, "top_p": 0.9})");
  EXPECT_EQ(greedy.temperature, 0.f);
  EXPECT_EQ(greedy.top_k, 40);
  EXPECT_EQ(greedy.top_p, 0.9f);
  EXPECT_FALSE(greedy.min_p);
}

TEST(GenerationConfig, SamplingTakesGenerationConfigDefaultsForWhatItLeavesOut) {
  ExpectSampling(ParseGenerationConfig(R"({"do_sample": true, "temperature": 0.6})"), 0.6f, 50, 1.f, 0.f, 1.f);

  const SamplingHParams with_min_p = ParseGenerationConfig(R"({"do_sample": true, "min_p": 0.05, "top_k": 0})");
  EXPECT_EQ(with_min_p.min_p, 0.05f);
  EXPECT_EQ(with_min_p.top_k, 0);  // 0: transformers adds no top-k step
}

TEST(GenerationConfig, NullTurnsAStepOff) {
  const SamplingHParams s = ParseGenerationConfig(R"({"do_sample": true, "top_k": null, "top_p": null})");
  EXPECT_EQ(s.top_k, 0);
  EXPECT_EQ(s.top_p, 1.f);
  EXPECT_TRUE(s.ignored.empty());
}

TEST(GenerationConfig, RepetitionPenaltyCoversTheWholeSequenceInBothModes) {
  for (const char* mode : {"true", "false"}) {
    SCOPED_TRACE(mode);
    const SamplingHParams s =
        ParseGenerationConfig(std::string(R"({"repetition_penalty": 1.3, "do_sample": )") + mode + "}");
    EXPECT_EQ(s.repeat_penalty, 1.3f);
    EXPECT_EQ(s.repeat_last_n, -1);
  }
}

TEST(GenerationConfig, AFileThatCannotBeReadRecommendsNothing) {
  for (const char* text : {"{", "[1, 2]", "", R"({"do_sample": "yes", "top_k": 5})", R"({"do_sample": null})"}) {
    SCOPED_TRACE(text);
    const SamplingHParams s = ParseGenerationConfig(text);
    EXPECT_FALSE(s.temperature || s.top_k || s.top_p || s.min_p || s.repeat_penalty || s.repeat_last_n);
    ASSERT_EQ(s.ignored.size(), 1u);
    EXPECT_NE(s.ignored[0].find("generation_config.json"), std::string::npos) << s.ignored[0];
  }
  test::ScratchDirs scratch;
  const std::string dir = scratch.Make("generation_config_dir");
  EXPECT_TRUE(ReadGenerationConfig(dir).ignored.empty());              // no file: nothing to say
  // Valid JSON, but past the megabyte a generation config is allowed: not read at all.
  test::WriteFile(dir + "/generation_config.json", R"({"do_sample": false})" + std::string(1u << 20, ' '));
  const SamplingHParams s = ReadGenerationConfig(dir);
  EXPECT_FALSE(s.temperature);
  EXPECT_EQ(s.ignored.size(), 1u);
}

TEST(GenerationConfig, MalformedValuesAreIgnoredOneByOne) {
  const SamplingHParams s = ParseGenerationConfig(
      R"({"do_sample": true, "temperature": -1, "top_k": -3, "top_p": 1.5, "min_p": 2, "repetition_penalty": 0})");
  // Each named, and each as if the file had left it out: GenerationConfig's default.
  EXPECT_EQ(s.ignored.size(), 5u);
  for (const char* key :
       {"'temperature' is -1", "'top_k' is -3", "'top_p' is 1.5", "'min_p' is 2", "'repetition_penalty' is 0"}) {
    EXPECT_TRUE(Mentions(s, key)) << key;
  }
  ExpectSampling(s, 1.f, 50, 1.f, 0.f, 1.f);

  const SamplingHParams types = ParseGenerationConfig(
      R"({"do_sample": false, "top_k": 64.5, "top_p": "0.9", "min_p": true, "repetition_penalty": [1.1]})");
  EXPECT_EQ(types.ignored.size(), 4u);
  EXPECT_TRUE(Mentions(types, "'top_k' is 64.5, not an integer"));
  EXPECT_TRUE(Mentions(types, "'top_p' is \"0.9\", not a number"));
  EXPECT_FALSE(types.top_k || types.top_p || types.min_p || types.repeat_penalty);
  EXPECT_EQ(types.temperature, 0.f);  // the mode still stands

  // transformers refuses a top_p of 0 and a whole float top_k; ours does too.
  EXPECT_TRUE(Mentions(ParseGenerationConfig(R"({"do_sample": true, "top_p": 0})"), "'top_p' is 0"));
  EXPECT_TRUE(Mentions(ParseGenerationConfig(R"({"do_sample": true, "top_k": 64.0})"), "'top_k'"));
}

}  // namespace
}  // namespace gemmakit
