// Gemma 3n through the runtime as Gemma 3 goes through it: batched decoding, save/restore,
// truncation (the sliding rings of KV-shared layers are their source's), memory (shared layers own
// no KV), and configs the architecture cannot have.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gemmakit/session.h"
#include "runtime/gguf_export.h"
#include "runtime/model_impl.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

// 35 layers like E4B: every 5th global, the last 15 sharing the KV of layers 18 (sliding) and 19
// (global), sliding window 16.
constexpr char kModel[] = "gemma3n-tiny";

std::shared_ptr<const Model> Load() {
  static const std::shared_ptr<const Model> m = Model::Load(test::DataPath(kModel));
  return m;
}

std::vector<int32_t> Prompt(int i) {
  std::vector<int32_t> ids = {2};
  for (int t = 0; t < 20 + 7 * i; ++t) ids.push_back(300 + (t * 37 + i * 11) % 300);
  return ids;
}

SamplingParams Greedy() {
  SamplingParams p;
  p.temperature = 0.f;
  return p;
}

std::vector<int32_t> Continue(Session& s, int steps) {
  std::vector<int32_t> out;
  for (int t = 0; t < steps; ++t) {
    out.push_back(s.Sample(Greedy()));
    s.Evaluate({out.back()});
  }
  return out;
}

TEST(Gemma3n, SharedLayersOwnNoKvStore) {
  const ModelConfig& c = Load()->impl().config;
  ASSERT_EQ(c.n_layers(), 35);
  EXPECT_EQ(c.n_kv_stores(), 20u);  // 35 - num_kv_shared_layers
  for (size_t l = 20; l < 35; ++l) {
    EXPECT_FALSE(c.writes_kv(l));
    // The last earlier layer of the same kind: 19 (global) or 18 (sliding).
    EXPECT_EQ(c.layers[l].kv_store, c.layers[l].sliding ? 18 : 19) << l;
  }
  Session s(Load());
  s.Evaluate(Prompt(2));
  // 20 stores: 4 global (every position) and 16 sliding rings; nothing for the shared 15.
  const ModelConfig& cc = c;
  const size_t per_row = static_cast<size_t>(2 * cc.kv_dim()) * sizeof(float);
  size_t expected = 0;
  const int64_t n = s.n_past();
  for (size_t st = 0; st < cc.n_kv_stores(); ++st) {
    const int64_t slots = (n + 15) / 16 * 16;  // pages of 16 positions
    expected += per_row * static_cast<size_t>(slots);
  }
  EXPECT_EQ(s.kv_cache_bytes(), expected);
}

TEST(Gemma3n, BatchedDecodingEqualsSoloRuns) {
  constexpr int kBatch = 3, kSteps = 10;
  std::vector<std::vector<int32_t>> solo;
  for (int b = 0; b < kBatch; ++b) {
    Session s(Load());
    s.Evaluate(Prompt(b));
    solo.push_back(Continue(s, kSteps));
  }
  std::vector<std::unique_ptr<Session>> sessions;
  std::vector<Session*> ptrs;
  for (int b = 0; b < kBatch; ++b) {
    sessions.push_back(std::make_unique<Session>(Load()));
    sessions.back()->Evaluate(Prompt(b));
    ptrs.push_back(sessions.back().get());
  }
  std::vector<std::vector<int32_t>> together(kBatch);
  for (int t = 0; t < kSteps; ++t) {
    std::vector<int32_t> next(kBatch);
    for (int b = 0; b < kBatch; ++b) together[b].push_back(next[b] = sessions[b]->Sample(Greedy()));
    Session::DecodeBatch(ptrs, next);
  }
  for (int b = 0; b < kBatch; ++b) EXPECT_EQ(together[b], solo[b]) << b;
}

TEST(Gemma3n, SaveRestoreAndTruncateContinueExactly) {
  SessionOptions small_chunks;
  small_chunks.batch_size = 5;  // rings of window + 4
  Session a(Load(), small_chunks);
  a.Evaluate(Prompt(3));
  const std::vector<uint8_t> blob = a.SaveState();
  const auto expected = Continue(a, 8);

  Session b(Load(), small_chunks);
  b.LoadState(blob.data(), blob.size());
  EXPECT_EQ(Continue(b, 8), expected);

  // Back to before the last 9 prompt tokens and forward again: rings rebuilt from the history.
  Session c(Load(), small_chunks);
  const auto prompt = Prompt(3);
  c.Evaluate(prompt);
  c.Truncate(static_cast<int64_t>(prompt.size()) - 9);
  c.Evaluate(std::vector<int32_t>(prompt.end() - 9, prompt.end()));
  EXPECT_EQ(Continue(c, 8), expected);
}

// llama.cpp's own GGUF of the same model (stacked AltUp projections, per-layer token embedding,
// Φ⁻¹ sparsity scales, the sliding pattern array, feed-forward widths as an array): the golden.
TEST(Gemma3n, LlamaCppGgufComputesTheGolden) {
  const auto gguf = Model::Load(test::DataPath("gguf/gemma3n-tiny/gemma3n-tiny-bf16.gguf"));
  EXPECT_EQ(gguf->info().architecture, "gemma3n");
  const json g = json::parse(test::ReadFile(test::DataPath(std::string(kModel) + "/golden.json")));
  for (const json& c : g["cases"]) {
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    std::vector<int32_t> encoded = {gguf->tokenizer().special().bos};
    for (int32_t id : gguf->tokenizer().Encode(c["text"].get<std::string>())) encoded.push_back(id);
    EXPECT_EQ(encoded, ids) << c["name"];
    Session s(gguf);
    s.Evaluate(ids, true);
    const auto want = test::ReadF32File(test::DataPath(std::string(kModel) + "/" + c["logits_file"].get<std::string>()));
    ASSERT_EQ(want.size(), ids.size() * static_cast<size_t>(gguf->info().vocab_size));
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(s.logits(0)[i] - want[i])));
    EXPECT_LT(worst, 1e-3) << c["name"];
  }
}

// gemmakit writes Gemma 3n as llama.cpp does (the same names and keys its reader takes), from an
// HF folder or a GGUF, at any weight type.
TEST(Gemma3n, GgufExportRoundTrips) {
  test::ScratchDirs dirs;
  const std::string dir = dirs.Make("g3n_export");
  const std::vector<int32_t> ids = Prompt(1);
  Session original(Load());
  original.Evaluate(ids, true);
  const size_t n = ids.size() * static_cast<size_t>(Load()->info().vocab_size);
  for (const char* type : {"f32", "q8_0"}) {
    LoadOptions lo;
    lo.weight_type = type;
    const auto source = Model::Load(test::DataPath("gguf/gemma3n-tiny/gemma3n-tiny-bf16.gguf"), lo);
    SaveGguf(*source, dir + "/out.gguf");
    const auto reloaded = Model::Load(dir + "/out.gguf");
    EXPECT_EQ(reloaded->info().weight_type, std::string(type) == "f32" ? "F32" : "Q8_0");
    Session s(reloaded);
    s.Evaluate(ids, true);
    Session direct(source);
    direct.Evaluate(ids, true);
    double worst = 0, worst_vs_hf = 0;
    for (size_t i = 0; i < n; ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(s.logits(0)[i] - direct.logits(0)[i])));
      worst_vs_hf = std::max(worst_vs_hf, static_cast<double>(std::fabs(s.logits(0)[i] - original.logits(0)[i])));
    }
    EXPECT_LT(worst, 1e-4) << type;  // the file holds what the model computed with
    if (std::string(type) == "f32") {
      EXPECT_LT(worst_vs_hf, 1e-4);
    }
  }
}

class Gemma3nBadConfig : public ::testing::Test {
 protected:
  void ExpectLoadError(const std::string& tag, const std::function<void(json&)>& edit, const std::string& needle) {
    const std::string src = test::DataPath(kModel), dir = dirs_.Make("g3n_" + tag);
    json c = json::parse(test::ReadFile(src + "/config.json"));
    edit(c);
    test::WriteFile(dir + "/config.json", c.dump());
    for (const char* f : {"model.safetensors", "tokenizer.model"}) test::WriteFile(dir + "/" + f, test::ReadFile(src + "/" + f));
    try {
      Model::Load(dir);
      ADD_FAILURE() << tag << " loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kFormatError) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  test::ScratchDirs dirs_;
};

TEST_F(Gemma3nBadConfig, InconsistentFieldsAreNamed) {
  ExpectLoadError("ffn_list", [](json& c) { c["intermediate_size"] = json::array({128, 128}); }, "intermediate_size");
  ExpectLoadError("sparsity", [](json& c) { c["activation_sparsity_pattern"] = json::array({0.95, 0.0}); },
                  "activation_sparsity_pattern");
  ExpectLoadError("shared_all", [](json& c) { c["num_kv_shared_layers"] = 35; }, "num_kv_shared_layers");
  // Only global layers before the shared ones: the shared sliding layers have no source.
  ExpectLoadError("no_source", [](json& c) {
    json types = json::array();
    for (int i = 0; i < 35; ++i) types.push_back(i < 20 ? "full_attention" : (i % 5 == 4 ? "full_attention" : "sliding_attention"));
    c["layer_types"] = types;
  }, "num_kv_shared_layers");
  // Wider per-layer inputs than the stored table: the tensor and the field are both named.
  ExpectLoadError("ple_width", [](json& c) { c["hidden_size_per_layer_input"] = 32; }, "hidden_size_per_layer_input");
  ExpectLoadError("ffn_wider", [](json& c) { c["intermediate_size"] = 256; }, "intermediate_size");
}

}  // namespace
}  // namespace gemmakit
