// A model's recommended sampling (ModelInfo::recommended_sampling): from a folder's
// generation_config.json, logged and left out where malformed, and carried through a GGUF export
// as llama.cpp's general.sampling.* keys, as its converter carries them.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "gemmakit/log.h"
#include "gemmakit/model.h"
#include "io/gguf.h"
#include "io/mapped_file.h"
#include "runtime/gguf_export.h"
#include "test_util.h"

namespace gemmakit {
namespace {

constexpr uint32_t kAllButLastN =
    static_cast<uint32_t>(SamplingFieldBit::kTemperature) | static_cast<uint32_t>(SamplingFieldBit::kTopK) |
    static_cast<uint32_t>(SamplingFieldBit::kTopP) | static_cast<uint32_t>(SamplingFieldBit::kMinP) |
    static_cast<uint32_t>(SamplingFieldBit::kRepeatPenalty);

TEST(RecommendedSampling, AFolderWithoutGenerationConfigKeepsTheDefaults) {
  const auto m = Model::Load(test::DataPath("gemma3-tiny"));
  EXPECT_EQ(m->info().recommended_sampling_fields, 0u);
  const SamplingParams d, &r = m->info().recommended_sampling;
  EXPECT_EQ(r.temperature, d.temperature);
  EXPECT_EQ(r.top_k, d.top_k);
  EXPECT_EQ(r.top_p, d.top_p);
  EXPECT_EQ(r.repeat_last_n, d.repeat_last_n);
}

TEST(RecommendedSampling, APublishedGenerationConfigBecomesTheModelsDefaults) {
  test::ScratchDirs scratch;
  const std::string dir = test::LinkModelWithGenerationConfig(
      scratch, "gemma3-tiny", test::ReadFile(test::DataPath("published-configs/gemma-3-1b-it/generation_config.json")));
  const auto m = Model::Load(dir);
  EXPECT_EQ(m->info().recommended_sampling_fields, kAllButLastN);
  const SamplingParams& r = m->info().recommended_sampling;
  EXPECT_EQ(r.temperature, 1.f);
  EXPECT_EQ(r.top_k, 64);
  EXPECT_EQ(r.top_p, 0.95f);
}

TEST(RecommendedSampling, GreedyAndAWholeSequencePenalty) {
  test::ScratchDirs scratch;
  const auto m = Model::Load(test::LinkModelWithGenerationConfig(scratch, "gemma3-tiny",
                                                                 R"({"do_sample": false, "repetition_penalty": 1.2})"));
  const SamplingParams& r = m->info().recommended_sampling;
  EXPECT_EQ(r.temperature, 0.f);
  EXPECT_EQ(r.repeat_penalty, 1.2f);
  // transformers' whole sequence: at most the context a session holds.
  EXPECT_EQ(r.repeat_last_n, m->info().context_length);
  EXPECT_EQ(m->info().recommended_sampling_fields, static_cast<uint32_t>(SamplingFieldBit::kTemperature) |
                                                       static_cast<uint32_t>(SamplingFieldBit::kRepeatPenalty) |
                                                       static_cast<uint32_t>(SamplingFieldBit::kRepeatLastN));
}

TEST(RecommendedSampling, AMalformedValueIsLoggedAndLeftOutNotALoadError) {
  test::ScratchDirs scratch;
  const std::string dir =
      test::LinkModelWithGenerationConfig(scratch, "gemma3-tiny", R"({"do_sample": true, "top_k": -1, "top_p": 0.8})");
  std::vector<std::pair<LogLevel, std::string>> logged;
  SetLogSink([&](LogLevel l, const char* m) { logged.emplace_back(l, m); }, LogLevel::kWarning);
  const auto m = Model::Load(dir);
  SetLogSink(nullptr, LogLevel::kWarning);
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_EQ(logged[0].first, LogLevel::kWarning);
  EXPECT_NE(logged[0].second.find("'top_k' is -1"), std::string::npos) << logged[0].second;
  EXPECT_EQ(m->info().recommended_sampling.top_k, 50);  // transformers' default, as if left out
  EXPECT_EQ(m->info().recommended_sampling.top_p, 0.8f);
}

// gemmakit quantize of a folder with generation_config.json: the keys llama.cpp's converter would
// have written, read back by gemmakit as the same recommendation.
TEST(RecommendedSampling, SurvivesAGgufExport) {
  test::ScratchDirs scratch;
  const auto folder = Model::Load(test::LinkModelWithGenerationConfig(
      scratch, "gemma3-tiny", R"({"do_sample": true, "top_k": 40, "top_p": 0.9, "repetition_penalty": 1.1})"));
  const std::string path = scratch.Make("sampling_export") + "/m.gguf";
  SaveGguf(*folder, path);

  const GgufFile f = ReadGguf(MappedFile::Open(path));
  ASSERT_NE(f.Find("general.sampling.top_k"), nullptr);
  EXPECT_EQ(f.Find("general.sampling.top_k")->i, 40);
  EXPECT_EQ(f.Find("general.sampling.temp")->f, 1.0);
  EXPECT_EQ(f.Find("general.sampling.penalty_last_n")->i, -1);  // llama.cpp's "the whole context"

  const auto gguf = Model::Load(path);
  const SamplingParams &a = folder->info().recommended_sampling, &b = gguf->info().recommended_sampling;
  EXPECT_EQ(gguf->info().recommended_sampling_fields, folder->info().recommended_sampling_fields);
  EXPECT_EQ(b.temperature, a.temperature);
  EXPECT_EQ(b.top_k, a.top_k);
  EXPECT_EQ(b.top_p, a.top_p);
  EXPECT_EQ(b.min_p, a.min_p);
  EXPECT_EQ(b.repeat_penalty, a.repeat_penalty);
  EXPECT_EQ(b.repeat_last_n, a.repeat_last_n);

  // A folder that recommends nothing writes no keys (llama.cpp's converter neither).
  const std::string plain = scratch.Make("sampling_export_plain") + "/m.gguf";
  SaveGguf(*Model::Load(test::DataPath("gemma3-tiny")), plain);
  const GgufFile p = ReadGguf(MappedFile::Open(plain));
  for (const auto& [key, value] : p.metadata) EXPECT_EQ(key.rfind("general.sampling.", 0), std::string::npos) << key;
}

}  // namespace
}  // namespace gemmakit
