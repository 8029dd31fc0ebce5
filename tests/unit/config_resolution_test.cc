// Config resolution and tensor layouts as transformers reads them: the parts of a checkpoint that
// change numbers without changing any shape (so only a test of the logits catches them), and the
// values gemmakit cannot honour, which must be errors naming the field.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "gemmakit/session.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "io/tensor_index.h"
#include "kernels/activation.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

// gemma3-mini: one BF16 model.safetensors with "model."-prefixed names, q/k norms, sliding and
// global layers, multi-query attention.
constexpr char kModel[] = "gemma3-mini";

class ConfigResolution : public ::testing::Test {
 protected:
  static json Config() { return json::parse(test::ReadFile(test::DataPath(std::string(kModel) + "/config.json"))); }

  // A copy of the model whose config.json is `config` and whose tensors are `renamed` (stored name
  // → name to write, "" drops it) plus `extra`.
  std::string Folder(const std::string& tag, const json& config,
                     const std::function<std::string(const std::string&)>& renamed = nullptr,
                     std::vector<SafetensorsSpec> extra = {}) {
    const std::string dir = dirs_.Make("cfg_" + tag);
    const std::string src = test::DataPath(kModel);
    test::WriteFile(dir + "/config.json", config.dump(2));
    test::WriteFile(dir + "/tokenizer.model", test::ReadFile(src + "/tokenizer.model"));
    if (!renamed && extra.empty()) {
      test::WriteFile(dir + "/model.safetensors", test::ReadFile(src + "/model.safetensors"));
      return dir;
    }
    TensorIndex stored;
    ReadSafetensors(MappedFile::Open(src + "/model.safetensors"), &stored);
    std::vector<SafetensorsSpec> specs;
    for (const auto& [name, e] : stored.all()) {
      const std::string to = renamed ? renamed(name) : name;
      if (to.empty()) continue;
      const TensorEntry* entry = &e;
      specs.push_back({to, e.dtype, e.shape, [entry](uint8_t* out, size_t n) { std::memcpy(out, entry->data, n); }});
    }
    for (auto& s : extra) specs.push_back(std::move(s));
    WriteSafetensors(dir + "/model.safetensors", specs);
    return dir;
  }

  static std::vector<float> Logits(const std::string& dir) {
    auto m = Model::Load(dir);
    Session s(m);
    const std::vector<int32_t> ids = {2, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312};
    s.Evaluate(ids, true);
    return std::vector<float>(s.logits(0), s.logits(0) + ids.size() * static_cast<size_t>(m->info().vocab_size));
  }

  static void ExpectLoadError(const std::string& dir, Status status, const std::string& needle) {
    try {
      Model::Load(dir);
      ADD_FAILURE() << "loaded " << dir << ", expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), status) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }

  test::ScratchDirs dirs_;
};

// Gemma3TextModel saves (EmbeddingGemma, base models) have no "model." prefix.
TEST_F(ConfigResolution, UnprefixedTensorNamesLoadWithTheSameLogits) {
  const auto reference = Logits(test::DataPath(kModel));
  const std::string dir = Folder("unprefixed", Config(), [](const std::string& n) {
    return n.compare(0, 6, "model.") == 0 ? n.substr(6) : n;
  });
  EXPECT_EQ(Logits(dir), reference);
}

// A stored lm_head.weight is ignored when the config ties it (transformers ties it), and used when not.
TEST_F(ConfigResolution, LmHeadFollowsTieWordEmbeddings) {
  const auto reference = Logits(test::DataPath(kModel));
  TensorIndex stored;
  ReadSafetensors(MappedFile::Open(test::DataPath(std::string(kModel) + "/model.safetensors")), &stored);
  const TensorEntry* embed = stored.Find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  // A head unlike the embedding: the embedding's rows, reversed.
  auto head = std::make_shared<std::vector<uint8_t>>(embed->nbytes);
  const size_t row = embed->nbytes / static_cast<size_t>(embed->shape[0]);
  for (int64_t r = 0; r < embed->shape[0]; ++r) {
    std::memcpy(head->data() + static_cast<size_t>(r) * row,
                static_cast<const uint8_t*>(embed->data) + static_cast<size_t>(embed->shape[0] - 1 - r) * row, row);
  }
  const SafetensorsSpec lm_head{"lm_head.weight", embed->dtype, embed->shape,
                                [head](uint8_t* out, size_t n) { std::memcpy(out, head->data(), n); }};
  json tied = Config();
  tied["tie_word_embeddings"] = true;
  EXPECT_EQ(Logits(Folder("tied", tied, nullptr, {lm_head})), reference);
  json untied = Config();
  untied["tie_word_embeddings"] = false;
  const auto separate = Logits(Folder("untied", untied, nullptr, {lm_head}));
  ASSERT_EQ(separate.size(), reference.size());
  EXPECT_NE(separate, reference);
  ExpectLoadError(Folder("untied_no_head", untied), Status::kFormatError, "lm_head");
}

// "gelu" is the exact GELU in transformers' ACT2FN; "gelu_pytorch_tanh" the tanh approximation.
TEST_F(ConfigResolution, HiddenActivationNamesMapExactly) {
  json c = Config();
  c["hidden_activation"] = "gelu_pytorch_tanh";
  const auto tanh = Logits(Folder("tanh", c));
  EXPECT_EQ(tanh, Logits(test::DataPath(kModel)));
  c["hidden_activation"] = "gelu_new";  // the same function under another name
  EXPECT_EQ(Logits(Folder("gelu_new", c)), tanh);
  c["hidden_activation"] = "gelu";
  const auto exact = Logits(Folder("gelu", c));
  ASSERT_EQ(exact.size(), tanh.size());
  double diff = 0;
  for (size_t i = 0; i < exact.size(); ++i) diff = std::max(diff, static_cast<double>(std::fabs(exact[i] - tanh[i])));
  EXPECT_GT(diff, 1e-6);   // a different function ...
  EXPECT_LT(diff, 0.5);    // ... but close to it
  c["hidden_activation"] = "relu";
  ExpectLoadError(Folder("relu", c), Status::kUnsupported, "hidden_activation");
}

TEST(GeGluErf, MatchesTheErfDefinition) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.f, 3.f);
  std::vector<float> gate(1000), up(1000), out(1000);
  for (size_t i = 0; i < gate.size(); ++i) {
    gate[i] = dist(rng);
    up[i] = dist(rng);
  }
  GeGluErf(gate.data(), up.data(), out.data(), gate.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    const double x = gate[i];
    const double want = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))) * up[i];
    EXPECT_NEAR(out[i], want, 1e-5 * (1.0 + std::fabs(want))) << x;
  }
}

TEST_F(ConfigResolution, ValuesGemmakitCannotHonourAreErrorsNamingTheField) {
  json c = Config();
  c["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  ExpectLoadError(Folder("yarn", c), Status::kUnsupported, "yarn");
  c = Config();
  c["rope_parameters"] = {{"full_attention", {{"rope_type", "dynamic"}, {"factor", 2.0}}}};
  ExpectLoadError(Folder("dynamic", c), Status::kUnsupported, "dynamic");
  c = Config();
  c["rope_scaling"] = {{"rope_type", "linear"}};
  ExpectLoadError(Folder("linear_no_factor", c), Status::kFormatError, "factor");
  c = Config();
  c["head_dim"] = nullptr;
  ExpectLoadError(Folder("null_head_dim", c), Status::kFormatError, "head_dim");
  c = Config();
  c["rope_theta"] = nullptr;
  ExpectLoadError(Folder("null_theta", c), Status::kFormatError, "rope_theta");
  c = Config();
  c["layer_types"] = {"sliding_attention", "full_attention"};
  ExpectLoadError(Folder("short_types", c), Status::kFormatError, "layer_types");
  c = Config();
  c["use_bidirectional_attention"] = true;  // an encoder: it loads, but generates nothing
  try {
    Session s(Model::Load(Folder("bidirectional", c)));
    ADD_FAILURE() << "a session of a bidirectional model was created";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kUnsupported) << e.what();
    EXPECT_NE(std::string(e.what()).find("use_bidirectional_attention"), std::string::npos) << e.what();
  }
  c = Config();
  c["num_key_value_heads"] = 3;  // the tensors hold 1: the error names both
  ExpectLoadError(Folder("kv_heads", c), Status::kFormatError, "num_key_value_heads");
}

// null means "none" for soft-caps, the default for layer_types and rope_scaling, and the forward
// pass never reads max_position_embeddings beyond the context limit.
TEST_F(ConfigResolution, NullMeansWhatTransformersMakesOfIt) {
  const auto reference = Logits(test::DataPath(kModel));
  json c = Config();
  c["rope_scaling"] = nullptr;
  c["final_logit_softcapping"] = nullptr;
  c["attn_logit_softcapping"] = nullptr;
  c["max_position_embeddings"] = nullptr;
  EXPECT_EQ(Logits(Folder("nulls", c)), reference);
  c["final_logit_softcapping"] = 1.0;  // a cap that bites
  EXPECT_NE(Logits(Folder("cap", c)), reference);
}

// transformers 5 writes rope_parameters per layer type instead of rope_theta /
// rope_local_base_freq; both spellings give the same model.
TEST_F(ConfigResolution, RopeParametersEqualTheOlderKeys) {
  json c = Config();
  const double global = c.value("rope_theta", 1000000.0), local = c.value("rope_local_base_freq", 10000.0);
  c.erase("rope_theta");
  c.erase("rope_local_base_freq");
  c.erase("rope_scaling");
  c["rope_parameters"] = {{"full_attention", {{"rope_type", "default"}, {"rope_theta", global}}},
                          {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", local}}}};
  EXPECT_EQ(Logits(Folder("rope_parameters", c)), Logits(test::DataPath(kModel)));
}

}  // namespace
}  // namespace gemmakit
