// Where gemmakit-serve's sampling comes from: a request's own fields, else the command line's
// sampling options, else the model's recommendation (generation_config.json), else OpenAI's
// defaults (temperature 1, top_p 1, no top-k).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "options.h"
#include "sampling_defaults.h"

namespace gemmakit_serve {
namespace {

struct ModelDeleter {
  void operator()(gemmakit_model* m) const { gemmakit_model_free(m); }
};
using ModelPtr = std::unique_ptr<gemmakit_model, ModelDeleter>;

// gemma3-mini's files linked into a fresh folder, with this generation_config.json ("" for none).
class MiniFolder {
 public:
  explicit MiniFolder(const std::string& generation_config) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/gemmakit_serve_sampling_XXXXXX";
    dir_ = mkdtemp(pattern.data()) ? pattern : "";
    for (const auto& e : std::filesystem::directory_iterator(GEMMAKIT_TEST_DATA "/gemma3-mini")) {
      std::filesystem::create_symlink(e.path(), dir_ + "/" + e.path().filename().string());
    }
    if (!generation_config.empty()) std::ofstream(dir_ + "/generation_config.json") << generation_config;
  }
  ~MiniFolder() { std::filesystem::remove_all(dir_); }
  ModelPtr Load() const {
    gemmakit_model* m = nullptr;
    EXPECT_EQ(gemmakit_model_load(dir_.c_str(), nullptr, &m), GEMMAKIT_OK) << gemmakit_last_error();
    return ModelPtr(m);
  }

 private:
  std::string dir_;
};

// The options of `gemmakit-serve MODEL args...`.
ServeOptions Parse(std::vector<std::string> args) {
  args.insert(args.begin(), {"gemmakit-serve", "model"});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ServeOptions o;
  int exit_code = -1;
  EXPECT_TRUE(ParseServeOptions(static_cast<int>(argv.size()), argv.data(), o, &exit_code));
  return o;
}

TEST(ServeSampling, OptionsAreParsedAndRemembered) {
  const ServeOptions o = Parse({"--temperature", "0.5", "--top-k", "20", "--repeat-last-n", "32"});
  EXPECT_EQ(o.temperature, 0.5f);
  EXPECT_EQ(o.top_k, 20);
  EXPECT_EQ(o.repeat_last_n, 32);
  EXPECT_EQ(o.sampling_given,
            GEMMAKIT_SAMPLING_TEMPERATURE | GEMMAKIT_SAMPLING_TOP_K | GEMMAKIT_SAMPLING_REPEAT_LAST_N);
  EXPECT_EQ(Parse({}).sampling_given, 0);

  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--top-p", "0"},
                                              {"--temperature", "-1"},
                                              {"--min-p", "1.5"},
                                              {"--repeat-penalty", "x"}}) {
    std::vector<std::string> args = {"gemmakit-serve", "model", bad[0], bad[1]};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    ServeOptions o;
    int exit_code = -1;
    EXPECT_FALSE(ParseServeOptions(4, argv.data(), o, &exit_code)) << bad[0] << " " << bad[1];
    EXPECT_EQ(exit_code, 2);
  }
}

TEST(ServeSampling, TheModelsRecommendationFillsWhatTheCommandLineLeavesOut) {
  const MiniFolder folder(R"({"do_sample": false, "top_k": 30})");
  const ModelPtr model = folder.Load();
  gemmakit_sampling_params p;
  ASSERT_TRUE(ServerSampling(model.get(), Parse({}), p));
  EXPECT_EQ(p.temperature, 0.f);  // greedy, as the file says
  EXPECT_EQ(p.top_k, 30);
  EXPECT_EQ(p.top_p, 1.f);  // the file says nothing: OpenAI's default, as before
  EXPECT_EQ(p.seed, GEMMAKIT_SEED_RANDOM);

  ASSERT_TRUE(ServerSampling(model.get(), Parse({"--temperature", "0.8", "--top-p", "0.5"}), p));
  EXPECT_EQ(p.temperature, 0.8f);  // the user's option wins
  EXPECT_EQ(p.top_p, 0.5f);
  EXPECT_EQ(p.top_k, 30);
}

TEST(ServeSampling, AModelWithoutRecommendationKeepsOpenAisDefaults) {
  const ModelPtr model = MiniFolder("").Load();
  gemmakit_sampling_params p;
  ASSERT_TRUE(ServerSampling(model.get(), Parse({}), p));
  EXPECT_EQ(p.temperature, 1.f);
  EXPECT_EQ(p.top_k, 0);
  EXPECT_EQ(p.top_p, 1.f);
  EXPECT_EQ(p.min_p, 0.f);
  EXPECT_EQ(p.repeat_penalty, 1.f);
}

TEST(ServeSampling, ARequestsOwnFieldsWin) {
  gemmakit_sampling_params defaults;
  gemmakit_sampling_params_init(&defaults, sizeof defaults);
  defaults.temperature = 0.f;
  defaults.top_p = 0.7f;
  GenerationRequest r;
  gemmakit_sampling_params p = RequestSampling(defaults, r);
  EXPECT_EQ(p.temperature, 0.f);
  EXPECT_EQ(p.top_p, 0.7f);
  EXPECT_EQ(p.top_k, defaults.top_k);
  EXPECT_EQ(p.repeat_last_n, defaults.repeat_last_n);
  r.temperature = 1.2f;
  r.top_p = 0.9f;
  r.top_k = 1;
  r.min_p = 0.1f;
  r.repeat_penalty = 1.5f;
  r.repeat_last_n = 8;
  p = RequestSampling(defaults, r);
  EXPECT_EQ(p.temperature, 1.2f);
  EXPECT_EQ(p.top_p, 0.9f);
  EXPECT_EQ(p.top_k, 1);
  EXPECT_EQ(p.min_p, 0.1f);
  EXPECT_EQ(p.repeat_penalty, 1.5f);
  EXPECT_EQ(p.repeat_last_n, 8);
}

}  // namespace
}  // namespace gemmakit_serve
