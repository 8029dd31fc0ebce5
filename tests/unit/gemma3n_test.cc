// Gemma 3n through the runtime as Gemma 3 goes through it: batched decoding, save/restore,
// truncation (the sliding rings of KV-shared layers are their source's), memory (shared layers own
// no KV), and configs the architecture cannot have.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "gemmakit/session.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "io/tensor_index.h"
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


// The slicer a user would run offline (what Google's MatFormer Lab notebook does): a new folder
// with the kept layers renumbered, FFNs cut, per-layer tables' columns and rows gathered.
std::string SliceOffline(const std::string& dir, const std::vector<int>& skipped, const std::vector<int64_t>& widths) {
  const std::string src = test::DataPath(kModel);
  json c = json::parse(test::ReadFile(src + "/config.json"));
  const int n = c["num_hidden_layers"].get<int>(), ple = c["hidden_size_per_layer_input"].get<int>();
  const int first_shared = n - c["num_kv_shared_layers"].get<int>();
  std::vector<int> kept;
  for (int l = 0; l < n; ++l) {
    if (std::find(skipped.begin(), skipped.end(), l) == skipped.end()) kept.push_back(l);
  }
  TensorIndex in;
  ReadSafetensors(MappedFile::Open(src + "/model.safetensors"), &in);
  auto floats = [&](const std::string& name) {
    const TensorEntry& e = *in.Find(name);
    std::vector<float> v(static_cast<size_t>(e.numel()));
    ConvertToF32(e.dtype, e.data, v.data(), v.size());
    return std::make_pair(v, e.shape);
  };
  std::vector<SafetensorsSpec> specs;
  auto put = [&](const std::string& name, std::vector<float> v, std::vector<int64_t> shape) {
    auto data = std::make_shared<std::vector<float>>(std::move(v));
    specs.push_back({name, DType::kF32, shape, [data](uint8_t* out, size_t bytes) { std::memcpy(out, data->data(), bytes); }});
  };
  json types = json::array(), sparsity = json::array();
  int shared = 0;
  for (size_t j = 0; j < kept.size(); ++j) {
    const int l = kept[j];
    types.push_back(c["layer_types"][l]);
    sparsity.push_back(c["activation_sparsity_pattern"][l]);
    shared += l >= first_shared;
    const std::string from = "model.layers." + std::to_string(l) + ".", to = "model.layers." + std::to_string(j) + ".";
    for (const auto& [name, e] : in.all()) {
      if (name.compare(0, from.size(), from) != 0) continue;
      const std::string rest = name.substr(from.size());
      auto [v, shape] = floats(name);
      const int64_t w = widths[j];
      if (rest == "mlp.gate_proj.weight" || rest == "mlp.up_proj.weight") {
        v.resize(static_cast<size_t>(w * shape[1]));
        shape[0] = w;
      } else if (rest == "mlp.down_proj.weight") {
        std::vector<float> cut;
        for (int64_t r = 0; r < shape[0]; ++r) cut.insert(cut.end(), v.begin() + r * shape[1], v.begin() + r * shape[1] + w);
        v = cut;
        shape[1] = w;
      }
      put(to + rest, v, shape);
    }
  }
  for (const auto& [name, e] : in.all()) {
    if (name.compare(0, 13, "model.layers.") == 0) continue;
    auto [v, shape] = floats(name);
    if (name == "model.embed_tokens_per_layer.weight") {
      std::vector<float> cut;
      for (int64_t r = 0; r < shape[0]; ++r) {
        for (int l : kept) cut.insert(cut.end(), v.begin() + r * shape[1] + l * ple, v.begin() + r * shape[1] + (l + 1) * ple);
      }
      v = cut;
      shape[1] = static_cast<int64_t>(kept.size()) * ple;
    } else if (name == "model.per_layer_model_projection.weight") {
      std::vector<float> cut;
      for (int l : kept) cut.insert(cut.end(), v.begin() + l * ple * shape[1], v.begin() + (l + 1) * ple * shape[1]);
      v = cut;
      shape[0] = static_cast<int64_t>(kept.size()) * ple;
    }
    put(name, v, shape);
  }
  c["num_hidden_layers"] = kept.size();
  c["intermediate_size"] = widths;
  c["layer_types"] = types;
  c["activation_sparsity_pattern"] = sparsity;
  c["num_kv_shared_layers"] = shared;
  test::WriteFile(dir + "/config.json", c.dump());
  test::WriteFile(dir + "/tokenizer.model", test::ReadFile(src + "/tokenizer.model"));
  WriteSafetensors(dir + "/model.safetensors", specs);
  return dir;
}

// E2B out of E4B's depth: 5 layers of the shared range dropped, FFNs narrowed unevenly.
TEST(Gemma3n, SliceAtLoadEqualsTheCheckpointSlicedOffline) {
  test::ScratchDirs dirs;
  const std::vector<int> skipped = {20, 21, 22, 23, 24};
  std::vector<int64_t> widths;
  for (int j = 0; j < 30; ++j) widths.push_back(j < 10 ? 128 : j < 20 ? 96 : 64);
  const std::string offline = SliceOffline(dirs.Make("g3n_offline"), skipped, widths);
  const std::string spec = dirs.Make("g3n_spec") + "/slice.json";
  test::WriteFile(spec, json({{"layers_skipped", skipped}, {"ffn_hidden_dims", widths}}).dump());
  LoadOptions lo;
  lo.slice_path = spec;
  const auto sliced = Model::Load(test::DataPath(kModel), lo);
  const auto reference = Model::Load(offline);
  EXPECT_EQ(sliced->info().n_layers, 30);
  EXPECT_EQ(sliced->impl().config.n_kv_stores(), 20u);
  const auto ids = Prompt(2);
  Session a(sliced), b(reference);
  a.Evaluate(ids, true);
  b.Evaluate(ids, true);
  const size_t n = ids.size() * static_cast<size_t>(sliced->info().vocab_size);
  // The offline folder stores float32 (the same values): only the kernels' summation order differs.
  double worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, static_cast<double>(std::fabs(a.logits(0)[i] - b.logits(0)[i])));
  EXPECT_LT(worst, 1e-4);
  // Bad specs name what is wrong.
  for (const auto& [bad, needle] : std::vector<std::pair<json, std::string>>{
           {{{"layers_skipped", {35}}}, "layers_skipped"},
           {{{"ffn_hidden_dims", std::vector<int>(35, 256)}}, "ffn_hidden_dims"},
           {{{"layers_skipped", {1}}, {"ffn_hidden_dims", {128}}}, "ffn_hidden_dims"}}) {
    test::WriteFile(spec, bad.dump());
    EXPECT_EQ(test::StatusOf([&] { Model::Load(test::DataPath(kModel), lo); }), Status::kInvalidArgument) << bad.dump();
    try {
      Model::Load(test::DataPath(kModel), lo);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

// A published-layout multimodal folder (gemma3n config, text_config, model.language_model.*
// tensors, an audio tower this issue skips): its text model computes the golden's text-only case.
TEST(Gemma3n, MultimodalFolderRunsItsTextModel) {
  const std::string dir = test::DataPath("gemma3n-audio-tiny");
  const auto m = Model::Load(dir);
  EXPECT_EQ(m->info().architecture, "gemma3n");
  const json g = json::parse(test::ReadFile(dir + "/golden.json"));
  const json* text_only = nullptr;
  for (const json& c : g["cases"]) text_only = c["name"] == "text_only" ? &c : text_only;
  ASSERT_NE(text_only, nullptr);
  const auto ids = (*text_only)["ids"].get<std::vector<int32_t>>();
  Session s(m);
  s.Evaluate(ids, true);
  const auto want = test::ReadF32File(dir + "/" + (*text_only)["logits_file"].get<std::string>());
  ASSERT_EQ(want.size(), ids.size() * static_cast<size_t>(m->info().vocab_size));
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(s.logits(0)[i] - want[i])));
  EXPECT_LT(worst, 1e-3);
  EXPECT_EQ(s.Sample(Greedy()), (*text_only)["greedy_ids"][0].get<int32_t>());
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
