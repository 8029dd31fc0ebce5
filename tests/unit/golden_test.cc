// End-to-end checks against reference outputs of HuggingFace transformers: for every bundled test
// checkpoint and every case of its golden.json, the tokenizer's ids, the logits of every position
// (one prefill, and a prefill split into small chunks on two threads) and a 16-token greedy
// continuation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/model.h"
#include "gemmakit/sampling.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr float kLogitTolerance = 1e-3f;
constexpr size_t kGreedySteps = 16;

// Every folder under tests/data with a golden.json. The -mm variants hold gemma3-tiny-scaled's
// weights in the two multimodal (Gemma3ForConditionalGeneration) layouts and share its goldens;
// tests/data/make_layout_variants.py makes them.
const char* const kModels[] = {
    "gemma1-tiny",        "gemma2-tiny",           "gemma3-tiny",
    "gemma3-tiny-scaled", "gemma1-mini",           "gemma2-mini",
    "gemma3-mini",        "gemma3-mini-scaled",    "gemma3-tiny-scaled-mm",
    "gemma3-tiny-scaled-mm-new", "gemma3n-tiny",
};

struct GoldenCase {
  std::string model;  // folder under tests/data
  std::string name;   // the case's "name"
  std::string text;
  std::vector<int32_t> ids;
  std::string logits_file;
  std::vector<int64_t> shape;
  std::vector<int32_t> greedy_ids;
  std::string load_error;  // non-empty when golden.json could not be read: the tests then fail
};

std::string ParamName(const GoldenCase& c) {
  std::string s = c.model + "_" + c.name;
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

// Read when the tests are registered. A missing or broken golden.json becomes one case that fails
// with the reason, rather than silently fewer tests.
std::vector<GoldenCase> LoadAllCases() {
  std::vector<GoldenCase> out;
  for (const char* model : kModels) {
    try {
      const json g = json::parse(test::ReadFile(test::DataPath(std::string(model) + "/golden.json")));
      const json& cases = g.at("cases");
      if (!cases.is_array() || cases.empty()) throw std::runtime_error("no cases");
      for (const json& jc : cases) {
        GoldenCase c;
        c.model = model;
        c.name = jc.at("name").get<std::string>();
        c.text = jc.at("text").get<std::string>();
        c.ids = jc.at("ids").get<std::vector<int32_t>>();
        c.logits_file = jc.at("logits_file").get<std::string>();
        c.shape = jc.at("shape").get<std::vector<int64_t>>();
        c.greedy_ids = jc.at("greedy_ids").get<std::vector<int32_t>>();
        out.push_back(std::move(c));
      }
    } catch (const std::exception& e) {
      GoldenCase c;
      c.model = model;
      c.name = "golden_json";
      c.load_error = e.what();
      out.push_back(std::move(c));
    }
  }
  return out;
}

// Models are loaded once per folder and shared by all cases (a Model is immutable).
std::shared_ptr<const Model> LoadModel(const std::string& folder) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Model>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(folder);
  if (it != cache.end()) return it->second;
  auto model = Model::Load(test::DataPath(folder));
  cache.emplace(folder, model);
  return model;
}

struct LogitsDiff {
  float worst = 0.f;
  size_t row = 0, col = 0;
  float got = 0.f, want = 0.f;
  size_t n_bad = 0;  // entries beyond the tolerance (NaN included)
};

LogitsDiff CompareLogits(const Session& s, const std::vector<float>& golden, size_t rows, size_t vocab) {
  LogitsDiff d;
  for (size_t r = 0; r < rows; ++r) {
    const float* got = s.logits(r);
    for (size_t c = 0; c < vocab; ++c) {
      const float want = golden[r * vocab + c];
      const float diff = std::fabs(got[c] - want);
      const bool bad = !(diff <= kLogitTolerance);  // NaN counts as bad
      if (bad) ++d.n_bad;
      const float key = std::isnan(diff) ? INFINITY : diff;
      if (key > d.worst || (r == 0 && c == 0)) {
        d.worst = key;
        d.row = r;
        d.col = c;
        d.got = got[c];
        d.want = want;
      }
    }
  }
  return d;
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {
 protected:
  void SetUp() override {
    const GoldenCase& c = GetParam();
    ASSERT_TRUE(c.load_error.empty()) << c.model << "/golden.json: " << c.load_error;
    ASSERT_NO_THROW(model_ = LoadModel(c.model)) << "loading " << c.model;
    ASSERT_TRUE(model_);
    vocab_ = static_cast<size_t>(model_->info().vocab_size);
    ASSERT_EQ(c.shape.size(), 2u);
    ASSERT_EQ(c.shape[0], static_cast<int64_t>(c.ids.size()));
    ASSERT_EQ(c.shape[1], model_->info().vocab_size);
    ASSERT_EQ(c.greedy_ids.size(), kGreedySteps);
  }

  std::vector<float> GoldenLogits() const {
    const GoldenCase& c = GetParam();
    std::vector<float> g = test::ReadF32File(test::DataPath(c.model + "/" + c.logits_file));
    EXPECT_EQ(g.size(), c.ids.size() * vocab_) << c.logits_file << " has the wrong size";
    g.resize(c.ids.size() * vocab_, NAN);
    return g;
  }

  // Evaluates the case's ids in a fresh session with `options` and checks every logit.
  void CheckLogits(const SessionOptions& options, const char* label) {
    const GoldenCase& c = GetParam();
    const std::vector<float> golden = GoldenLogits();
    Session s(model_, options);
    ASSERT_NO_THROW(s.Evaluate(c.ids, /*all_logits=*/true));
    ASSERT_EQ(s.logits_rows(), c.ids.size());
    ASSERT_EQ(s.n_past(), static_cast<int64_t>(c.ids.size()));
    const LogitsDiff d = CompareLogits(s, golden, c.ids.size(), vocab_);
    // Shown for every case, so drift stays visible long before it reaches the tolerance.
    std::printf("[ golden   ] %-26s %-10s %-8s worst |diff| %.3g at position %zu, token %zu\n", c.model.c_str(),
                c.name.c_str(), label, static_cast<double>(d.worst), d.row, d.col);
    EXPECT_EQ(d.n_bad, 0u) << d.n_bad << " logits differ by more than " << kLogitTolerance << "; worst "
                           << d.worst << " at position " << d.row << " (of " << c.ids.size() << "), token "
                           << d.col << ": got " << d.got << ", want " << d.want;
  }

  std::shared_ptr<const Model> model_;
  size_t vocab_ = 0;
};

std::string IdsString(const std::vector<int32_t>& ids) {
  std::ostringstream ss;
  ss << "[";
  for (size_t i = 0; i < ids.size(); ++i) ss << (i ? ", " : "") << ids[i];
  ss << "]";
  return ss.str();
}

TEST_P(GoldenTest, TokenizerMatches) {
  const GoldenCase& c = GetParam();
  ASSERT_TRUE(model_->has_tokenizer());
  const Tokenizer& tok = model_->tokenizer();
  ASSERT_GE(tok.special().bos, 0);
  std::vector<int32_t> ids = {tok.special().bos};
  const std::vector<int32_t> text_ids = tok.Encode(c.text);
  ids.insert(ids.end(), text_ids.begin(), text_ids.end());
  EXPECT_EQ(ids, c.ids) << "text: " << c.text << "\n got:  " << IdsString(ids) << "\n want: " << IdsString(c.ids);
}

TEST_P(GoldenTest, LogitsMatch) {
  SessionOptions o;
  o.n_threads = 1;
  CheckLogits(o, "prefill");
}

// Prefill in chunks of 5 on two threads: later chunks attend to keys cached by earlier ones,
// across sliding-window boundaries for the models with small windows.
TEST_P(GoldenTest, ChunkedThreadedLogitsMatch) {
  SessionOptions o;
  o.n_threads = 2;
  o.batch_size = 5;
  CheckLogits(o, "chunked");
}

// A prompt's work split across two threads (row-wise steps in 16-row tasks, matrix rows in chunks)
// gives the logits of one thread to the bit: every row is computed as if alone. The case's ids
// repeated past 48 tokens, so that the split has several tasks to make.
TEST_P(GoldenTest, ThreadCountDoesNotChangeLogits) {
  const GoldenCase& c = GetParam();
  std::vector<int32_t> ids;
  while (ids.size() < 48) ids.insert(ids.end(), c.ids.begin(), c.ids.end());
  std::vector<std::vector<float>> logits;
  for (int threads : {1, 2}) {
    SessionOptions o;
    o.n_threads = threads;
    Session s(model_, o);
    ASSERT_NO_THROW(s.Evaluate(ids, /*all_logits=*/true));
    ASSERT_EQ(s.logits_rows(), ids.size());
    logits.emplace_back(s.logits(0), s.logits(0) + ids.size() * vocab_);
  }
  size_t differing = 0;
  for (size_t i = 0; i < logits[0].size(); ++i) differing += logits[0][i] != logits[1][i];
  EXPECT_EQ(differing, 0u) << "of " << logits[0].size() << " logits";
}

TEST_P(GoldenTest, GreedyContinuationMatches) {
  const GoldenCase& c = GetParam();
  SessionOptions o;
  o.n_threads = 1;
  Session s(model_, o);
  ASSERT_NO_THROW(s.Evaluate(c.ids));
  SamplingParams greedy;
  greedy.temperature = 0.f;
  std::vector<int32_t> got;
  for (size_t i = 0; i < kGreedySteps; ++i) {
    const int32_t token = s.Sample(greedy);
    got.push_back(token);
    if (token != c.greedy_ids[i]) break;
    // Not stopped at <eos>: the reference kept feeding the argmax back too.
    ASSERT_NO_THROW(s.Evaluate({token}));
  }
  EXPECT_EQ(got, c.greedy_ids) << "first difference at step " << got.size() - 1 << "\n got:  " << IdsString(got)
                               << "\n want: " << IdsString(c.greedy_ids);
  if (got == c.greedy_ids) {
    EXPECT_EQ(s.n_past(), static_cast<int64_t>(c.ids.size() + kGreedySteps));
  }
}

// The multimodal layouts load as exactly the text model: same hyperparameters, and the vision
// tower's tensor neither bound nor counted.
TEST(GoldenLayoutTest, MultimodalLayoutsLoadAsTheTextModel) {
  const ModelInfo& text = LoadModel("gemma3-tiny-scaled")->info();
  for (const char* folder : {"gemma3-tiny-scaled-mm", "gemma3-tiny-scaled-mm-new"}) {
    SCOPED_TRACE(folder);
    std::shared_ptr<const Model> m;
    ASSERT_NO_THROW(m = LoadModel(folder));
    const ModelInfo& info = m->info();
    EXPECT_EQ(info.architecture, text.architecture);
    EXPECT_EQ(info.weight_type, text.weight_type);
    EXPECT_EQ(info.vocab_size, text.vocab_size);
    EXPECT_EQ(info.context_length, text.context_length);
    EXPECT_EQ(info.n_layers, text.n_layers);
    EXPECT_EQ(info.n_sliding_layers, text.n_sliding_layers);
    EXPECT_EQ(info.sliding_window, text.sliding_window);
    EXPECT_EQ(info.hidden_size, text.hidden_size);
    EXPECT_EQ(info.head_dim, text.head_dim);
    EXPECT_EQ(info.n_params, text.n_params);
    EXPECT_EQ(info.weight_bytes, text.weight_bytes);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, GoldenTest, ::testing::ValuesIn(LoadAllCases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return ParamName(info.param); });

}  // namespace
}  // namespace gemmakit
