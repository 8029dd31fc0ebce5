// PEFT LoRA adapters at run time, against transformers + PEFT references
// (tests/data/gemma3-lora-tiny: two adapters, one rsLoRA with bf16 factors): every case's logits
// and greedy ids, hot swaps, sessions with different adapters side by side and in one batched
// step, GGUF and quantized bases, merge-at-load, and the errors PEFT folders can cause.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/adapter.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "runtime/gguf_export.h"
#include "test_util.h"

namespace gemmakit {
namespace {

constexpr float kLogitTolerance = 1e-3f;  // as golden_test.cc
constexpr char kDir[] = "gemma3-lora-tiny";
const char* const kPrompts[] = {"english", "chat", "spanish"};
const char* const kSettings[] = {"base", "adapter1", "adapter2", "adapter1_scale0.5", "adapter1+adapter2"};

std::string AdapterDir(const std::string& name) { return test::DataPath(std::string(kDir) + "/adapters/" + name); }

std::shared_ptr<const Model> TinyModel() {
  static const std::shared_ptr<const Model> model = Model::Load(test::DataPath(kDir));
  return model;
}

// The adapters a golden case names, at its scales, loaded for `model`.
std::vector<ActiveAdapter> AdaptersOf(const test::GoldenCase& c, const std::shared_ptr<const Model>& model) {
  std::vector<ActiveAdapter> out;
  for (const nlohmann::json& a : c.fields.at("adapters")) {
    out.push_back({Adapter::Load(model, AdapterDir(a.at("name").get<std::string>())), a.at("scale").get<float>()});
  }
  return out;
}

float MaxAbsDiff(const float* a, const std::vector<float>& b) {
  float m = 0.f;
  for (size_t i = 0; i < b.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

// Logits of every position of the case's ids in a fresh session with `adapters`.
std::vector<float> AllLogits(const std::shared_ptr<const Model>& model, const std::vector<ActiveAdapter>& adapters,
                             const std::vector<int32_t>& ids) {
  Session s(model);
  s.SetAdapters(adapters);
  s.Evaluate(ids, /*all_logits=*/true);
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  return std::vector<float>(s.logits(0), s.logits(0) + ids.size() * vocab);
}

class LoraGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(LoraGolden, LogitsAndGreedyIdsMatchPeft) {
  const auto model = TinyModel();
  const test::GoldenCase c = test::LoadGoldenCase(kDir, GetParam());
  Session s(model);
  s.SetAdapters(AdaptersOf(c, model));
  s.Evaluate(c.ids, /*all_logits=*/true);
  ASSERT_EQ(s.logits_rows() * static_cast<size_t>(model->info().vocab_size), c.logits.size());
  EXPECT_LE(MaxAbsDiff(s.logits(0), c.logits), kLogitTolerance);
  SamplingParams greedy;
  greedy.temperature = 0.f;
  std::vector<int32_t> got;
  for (size_t i = 0; i < c.greedy.size(); ++i) {
    got.push_back(s.Sample(greedy));
    s.Evaluate({got.back()});
  }
  EXPECT_EQ(got, c.greedy);
}

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const char* p : kPrompts) {
    for (const char* s : kSettings) names.push_back(std::string(p) + "/" + s);
  }
  return names;
}

INSTANTIATE_TEST_SUITE_P(Cases, LoraGolden, ::testing::ValuesIn(CaseNames()), [](const auto& info) {
  std::string n = info.param;
  for (char& ch : n) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
});

TEST(Lora, AdapterReportsRankAndPeftScaling) {
  const auto model = TinyModel();
  const auto a1 = Adapter::Load(model, AdapterDir("adapter1"));
  const auto a2 = Adapter::Load(model, AdapterDir("adapter2"));
  EXPECT_EQ(a1->rank(), 8);
  EXPECT_DOUBLE_EQ(a1->scaling(), 2.0);  // 16 / 8
  EXPECT_EQ(a2->rank(), 4);
  EXPECT_DOUBLE_EQ(a2->scaling(), 4.0);  // rsLoRA: 8 / sqrt(4)
}

TEST(Lora, HotSwapAndTwoSessionsWithDifferentAdapters) {
  const auto model = TinyModel();
  const test::GoldenCase c1 = test::LoadGoldenCase(kDir, "english/adapter1");
  const test::GoldenCase c2 = test::LoadGoldenCase(kDir, "english/adapter2");
  const test::GoldenCase base = test::LoadGoldenCase(kDir, "english/base");
  const auto a1 = Adapter::Load(model, AdapterDir("adapter1"));
  const auto a2 = Adapter::Load(model, AdapterDir("adapter2"));
  Session s1(model), s2(model);
  s1.SetAdapters({{a1, 1.f}});
  s2.SetAdapters({{a2, 1.f}});
  s1.Evaluate(c1.ids, true);
  s2.Evaluate(c2.ids, true);
  EXPECT_LE(MaxAbsDiff(s1.logits(0), c1.logits), kLogitTolerance);
  EXPECT_LE(MaxAbsDiff(s2.logits(0), c2.logits), kLogitTolerance);

  // The same set again keeps the session's tokens; another set forgets them (their keys were
  // computed with the old adapters).
  s1.SetAdapters({{a1, 1.f}});
  EXPECT_EQ(s1.n_past(), static_cast<int64_t>(c1.ids.size()));
  s1.SetAdapters({{a2, 1.f}});
  EXPECT_EQ(s1.n_past(), 0);
  ASSERT_EQ(s1.adapters().size(), 1u);
  EXPECT_EQ(s1.adapters()[0].adapter, a2);
  s1.Evaluate(c2.ids, true);
  EXPECT_LE(MaxAbsDiff(s1.logits(0), c2.logits), kLogitTolerance);
  s1.SetAdapters({});
  s1.Evaluate(base.ids, true);
  EXPECT_LE(MaxAbsDiff(s1.logits(0), base.logits), kLogitTolerance);
  // A fork keeps its parent's adapters.
  s2.Truncate(static_cast<int64_t>(c2.ids.size()) - 1);
  auto fork = s2.Fork();
  fork->Evaluate({c2.ids.back()});
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  const std::vector<float> last(c2.logits.end() - static_cast<std::ptrdiff_t>(vocab), c2.logits.end());
  EXPECT_LE(MaxAbsDiff(fork->logits(0), last), kLogitTolerance);
}

// A saved session records the adapters active when it was saved: it loads where the same ones are
// active at the same scales (and continues with the golden's logits), and is refused elsewhere
// (its keys and values carry the adapters' deltas), leaving the target session as it was.
TEST(Lora, SavedSessionsRecordTheirAdapters) {
  const auto model = TinyModel();
  const test::GoldenCase c1 = test::LoadGoldenCase(kDir, "english/adapter1");
  const auto a1 = Adapter::Load(model, AdapterDir("adapter1"));
  const auto a1_again = Adapter::Load(model, AdapterDir("adapter1"));
  const auto a2 = Adapter::Load(model, AdapterDir("adapter2"));
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  Session saved(model);
  saved.SetAdapters({{a1, 1.f}});
  saved.Evaluate(std::vector<int32_t>(c1.ids.begin(), c1.ids.end() - 1));
  const std::vector<uint8_t> blob = saved.SaveState();

  auto refused = [&](const std::vector<ActiveAdapter>& set, const char* words) {
    Session target(model);
    target.SetAdapters(set);
    target.Evaluate({2, 5});
    try {
      target.LoadState(blob.data(), blob.size());
      ADD_FAILURE() << "loaded into a session with other adapters: " << words;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kFormatError);
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
    EXPECT_EQ(target.n_past(), 2);
  };
  refused({}, "set the same ones");
  refused({{a2, 1.f}}, "other LoRA adapters");
  refused({{a1, 0.5f}}, "other LoRA adapters");
  refused({{a1, 1.f}, {a2, 1.f}}, "other LoRA adapters");

  // The same adapter, loaded again from its folder, is the same adapter.
  Session target(model);
  target.SetAdapters({{a1_again, 1.f}});
  target.LoadState(blob.data(), blob.size());
  target.Evaluate({c1.ids.back()});
  const std::vector<float> last(c1.logits.end() - static_cast<std::ptrdiff_t>(vocab), c1.logits.end());
  EXPECT_LE(MaxAbsDiff(target.logits(0), last), kLogitTolerance);

  // And a session saved without adapters does not load where some are active.
  Session plain(model);
  plain.Evaluate({2, 5, 6});
  const std::vector<uint8_t> plain_blob = plain.SaveState();
  EXPECT_EQ(test::StatusOf([&] { target.LoadState(plain_blob.data(), plain_blob.size()); }), Status::kFormatError);
}

TEST(Lora, BatchedDecodeAppliesEachSessionsAdapters) {
  const auto model = TinyModel();
  const test::GoldenCase c1 = test::LoadGoldenCase(kDir, "chat/adapter1");
  const test::GoldenCase c2 = test::LoadGoldenCase(kDir, "chat/adapter1+adapter2");
  const test::GoldenCase cb = test::LoadGoldenCase(kDir, "chat/base");
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  Session s1(model), s2(model), s3(model);
  s1.SetAdapters(AdaptersOf(c1, model));
  s2.SetAdapters(AdaptersOf(c2, model));
  const std::vector<int32_t> prefix(c1.ids.begin(), c1.ids.end() - 1);
  s1.Evaluate(prefix);
  s2.Evaluate(prefix);
  s3.Evaluate(prefix);
  Session::DecodeBatch({&s1, &s2, &s3}, {c1.ids.back(), c1.ids.back(), c1.ids.back()});
  auto last = [&](const test::GoldenCase& c) {
    return std::vector<float>(c.logits.end() - static_cast<std::ptrdiff_t>(vocab), c.logits.end());
  };
  EXPECT_LE(MaxAbsDiff(s1.logits(0), last(c1)), kLogitTolerance);
  EXPECT_LE(MaxAbsDiff(s2.logits(0), last(c2)), kLogitTolerance);
  EXPECT_LE(MaxAbsDiff(s3.logits(0), last(cb)), kLogitTolerance);
}

TEST(Lora, GgufBaseTakesThePeftFolder) {
  test::ScratchDirs dirs;
  const std::string gguf = dirs.Make("lora-gguf") + "/base.gguf";
  SaveGguf(*TinyModel(), gguf);
  const auto model = Model::Load(gguf);
  for (const char* name : {"spanish/adapter2", "spanish/adapter1+adapter2"}) {
    const test::GoldenCase c = test::LoadGoldenCase(kDir, name);
    EXPECT_LE(MaxAbsDiff(AllLogits(model, AdaptersOf(c, model), c.ids).data(), c.logits), kLogitTolerance) << name;
  }
}

TEST(Lora, QuantizedBaseGetsTheAdaptersDelta) {
  LoadOptions o;
  o.weight_type = "q8_0";
  const auto model = Model::Load(test::DataPath(kDir), o);
  const test::GoldenCase base = test::LoadGoldenCase(kDir, "english/base");
  const test::GoldenCase c = test::LoadGoldenCase(kDir, "english/adapter1+adapter2");
  const float base_error = MaxAbsDiff(AllLogits(model, {}, base.ids).data(), base.logits);
  const std::vector<float> adapted = AllLogits(model, AdaptersOf(c, model), c.ids);
  // The quantized base's own error, not the adapters', is what stays.
  EXPECT_LE(MaxAbsDiff(adapted.data(), c.logits), 2.f * base_error + kLogitTolerance);
  EXPECT_GT(MaxAbsDiff(adapted.data(), base.logits), 10.f * (2.f * base_error + kLogitTolerance));
}

TEST(Lora, MergeAtLoadMatchesPeftsMergedWeights) {
  const test::GoldenCase c = test::LoadGoldenCase(kDir, "english/adapter1+adapter2");
  const test::GoldenCase base = test::LoadGoldenCase(kDir, "english/base");
  LoadOptions o;
  o.merge_adapters = {{AdapterDir("adapter1"), 1.f}, {AdapterDir("adapter2"), 1.f}};
  // Converted to float32 at load: the merged sums are kept exactly, as the golden's W_eff.
  o.weight_type = "f32";
  const std::vector<float> exact = AllLogits(Model::Load(test::DataPath(kDir), o), {}, c.ids);
  EXPECT_LE(MaxAbsDiff(exact.data(), c.logits), kLogitTolerance);
  // In the base's bf16, each merged sum is rounded once (PEFT's merge on a bf16 model does the
  // same); these random adapters change the logits by several units, the rounding by < 0.1.
  o.weight_type.clear();
  const std::vector<float> rounded = AllLogits(Model::Load(test::DataPath(kDir), o), {}, c.ids);
  EXPECT_LE(MaxAbsDiff(rounded.data(), c.logits), 0.1f);
  EXPECT_GT(MaxAbsDiff(rounded.data(), base.logits), 1.f);
}

// A copy of adapter `name` whose adapter_config.json `edit` changes.
std::string EditedAdapter(test::ScratchDirs& dirs, const std::string& name,
                          const std::function<void(nlohmann::json&)>& edit) {
  const std::string dir = dirs.Make("lora-edit");
  nlohmann::json cfg = nlohmann::json::parse(test::ReadFile(AdapterDir(name) + "/adapter_config.json"));
  edit(cfg);
  test::WriteFile(dir + "/adapter_config.json", cfg.dump());
  test::WriteFile(dir + "/adapter_model.safetensors", test::ReadFile(AdapterDir(name) + "/adapter_model.safetensors"));
  return dir;
}

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LoraErrors, AdapterForAnotherBaseNamesTheTensor) {
  const auto other = Model::Load(test::DataPath("gemma3-tiny"));
  auto load = [&] { Adapter::Load(other, AdapterDir("adapter1")); };
  EXPECT_EQ(test::StatusOf(load), Status::kFormatError);
  const std::string msg = ErrorOf(load);
  EXPECT_NE(msg.find("lora_A.weight'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("another base model"), std::string::npos) << msg;
}

TEST(LoraErrors, UnsupportedPeftTypesAndTargets) {
  test::ScratchDirs dirs;
  const auto model = TinyModel();
  struct Case {
    const char* what;
    std::function<void(nlohmann::json&)> edit;
    Status status;
    const char* message;
  };
  const Case cases[] = {
      {"DoRA", [](nlohmann::json& j) { j["use_dora"] = true; }, Status::kUnsupported, "DoRA"},
      {"IA3", [](nlohmann::json& j) { j["peft_type"] = "IA3"; }, Status::kUnsupported, "IA3"},
      {"LoHa", [](nlohmann::json& j) { j["peft_type"] = "LOHA"; }, Status::kUnsupported, "LOHA"},
      {"embedding target", [](nlohmann::json& j) { j["target_modules"].push_back("embed_tokens"); }, Status::kUnsupported,
       "embed_tokens"},
      {"rank pattern", [](nlohmann::json& j) { j["rank_pattern"] = {{"q_proj", 4}}; }, Status::kUnsupported, "rank_pattern"},
      {"untargeted tensors", [](nlohmann::json& j) { j["target_modules"] = {"q_proj"}; }, Status::kFormatError,
       "target_modules leaves out"},
      {"no rank", [](nlohmann::json& j) { j["r"] = 0; }, Status::kFormatError, "r must be"},
  };
  for (const Case& c : cases) {
    const std::string dir = EditedAdapter(dirs, "adapter2", c.edit);
    auto load = [&] { Adapter::Load(model, dir); };
    EXPECT_EQ(test::StatusOf(load), c.status) << c.what;
    EXPECT_NE(ErrorOf(load).find(c.message), std::string::npos) << c.what << ": " << ErrorOf(load);
  }
  // target_modules as PEFT's regular expression, and "all-linear", are read as PEFT reads them.
  const std::string regex = EditedAdapter(dirs, "adapter2", [](nlohmann::json& j) {
    j["target_modules"] = R"(.*\.(self_attn\.(q|v|o)_proj|mlp\.down_proj))";
  });
  EXPECT_EQ(Adapter::Load(model, regex)->rank(), 4);
  const std::string narrow = EditedAdapter(dirs, "adapter2", [](nlohmann::json& j) { j["target_modules"] = R"(.*q_proj)"; });
  EXPECT_EQ(test::StatusOf([&] { Adapter::Load(model, narrow); }), Status::kFormatError);
  const std::string all = EditedAdapter(dirs, "adapter1", [](nlohmann::json& j) { j["target_modules"] = "all-linear"; });
  EXPECT_EQ(Adapter::Load(model, all)->rank(), 8);
}

TEST(LoraErrors, MissingFilesAndBadSets) {
  const auto model = TinyModel();
  EXPECT_EQ(test::StatusOf([&] { Adapter::Load(model, test::DataPath("no-such-adapter")); }), Status::kIoError);
  EXPECT_EQ(test::StatusOf([&] { Adapter::Load(model, test::DataPath(kDir)); }), Status::kIoError);
  const auto other = Model::Load(test::DataPath(kDir));
  const auto foreign = Adapter::Load(other, AdapterDir("adapter2"));
  const auto own = Adapter::Load(model, AdapterDir("adapter2"));
  Session s(model);
  s.Evaluate({2, 366});
  EXPECT_EQ(test::StatusOf([&] { s.SetAdapters({{foreign, 1.f}}); }), Status::kInvalidArgument);
  EXPECT_EQ(test::StatusOf([&] { s.SetAdapters({{own, std::numeric_limits<float>::quiet_NaN()}}); }),
            Status::kInvalidArgument);
  EXPECT_EQ(test::StatusOf([&] { s.SetAdapters({{nullptr, 1.f}}); }), Status::kInvalidArgument);
  EXPECT_EQ(s.n_past(), 2);  // unchanged by the refused calls
}

}  // namespace
}  // namespace gemmakit
