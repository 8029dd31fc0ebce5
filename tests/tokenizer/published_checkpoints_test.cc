// The checkpoints people download, as published (issue 12, deliverable 6). tests/data/published-
// configs holds the exact config, template and token files of five published Gemma checkpoints
// (README.md there). Each test builds tiny random-weight HuggingFace folders from them: every file
// copied as published, only hidden_size, intermediate_size and num_hidden_layers shrunk (layer_types
// cut to the new count), Gemma 3's real tokenizer.json and tokenizer_config.json added (the
// gemma3_tokenizer fixture installs them: GEMMAKIT_GEMMA3_TOKENIZER_DIR), random bf16 weights
// under the tensor names transformers writes for the checkpoint's architecture. Then the folder is
// loaded, tokenized and chatted with through the public API, and what the library resolved from the
// config is compared with the transformers defaults table of the README, written out here by hand
// (independent of lib/model/gemma*.cc).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "gemmakit.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "io/hf_config.h"
#include "io/safetensors_writer.h"
#include "model/architecture.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr int64_t kHidden = 64;        // keeps Gemma 3's 262K-row embedding at 32 MiB of bf16
constexpr int64_t kIntermediate = 128;
// The same on both sides of every bitwise comparison; one, so that no thread pool spins on a
// machine the test shares.
constexpr int kThreads = 1;

std::string TokenizerDir() {
  const char* dir = std::getenv("GEMMAKIT_GEMMA3_TOKENIZER_DIR");
  return dir ? dir : "";
}

std::string Published(const std::string& name) { return test::DataPath("published-configs/" + name); }

json ReadJson(const std::string& path) { return json::parse(test::ReadFile(path)); }

// The text model's fields: text_config of a multimodal Gemma 3 config, else the config itself.
json& TextConfig(json& config) { return config.contains("text_config") ? config["text_config"] : config; }

// The published config with only its size fields shrunk.
json Shrunk(const std::string& name, int64_t layers) {
  json config = ReadJson(Published(name) + "/config.json");
  json& t = TextConfig(config);
  t["hidden_size"] = kHidden;
  t["intermediate_size"] = kIntermediate;
  t["num_hidden_layers"] = layers;
  if (t.contains("layer_types")) {
    auto& types = t["layer_types"];
    types.erase(types.begin() + layers, types.end());
  }
  return config;
}

uint64_t SplitMix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint16_t ToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// Uniform bf16 values in [-scale, scale), a function of the tensor's name only.
SafetensorsSpec RandomTensor(const std::string& name, std::vector<int64_t> shape, float scale) {
  uint64_t seed = 1469598103934665603ull;
  for (unsigned char ch : name) seed = (seed ^ ch) * 1099511628211ull;
  return {name, DType::kBF16, std::move(shape), [seed, scale](uint8_t* out, size_t nbytes) {
            uint64_t s = seed;
            for (size_t i = 0; i + 1 < nbytes; i += 2) {
              const float u = static_cast<float>(SplitMix(s) >> 40) / static_cast<float>(1 << 24);
              const uint16_t v = ToBf16((2.f * u - 1.f) * scale);
              std::memcpy(out + i, &v, 2);
            }
          }};
}

// model.safetensors with the tensors transformers saves for this config, under `prefix` ("model."
// for *ForCausalLM, "language_model.model." for Gemma3ForConditionalGeneration as published; no
// vision tower: the text model must load without it). Shapes come from the library's resolution
// of the config; that the resolution itself is right is what the tests below check.
void WriteRandomWeights(const std::string& dir, const json& config, const std::string& prefix) {
  const ModelConfig c = ResolveModelConfig(ParseHfConfig(config.dump()));
  std::vector<SafetensorsSpec> specs;
  // A wide embedding makes logits of several units, so that soft-caps visibly bend them.
  specs.push_back(RandomTensor(prefix + "embed_tokens.weight", {c.vocab_size, c.hidden}, 1.f));
  specs.push_back(RandomTensor(prefix + "norm.weight", {c.hidden}, 0.1f));
  for (int64_t i = 0; i < c.n_layers(); ++i) {
    const std::string p = prefix + "layers." + std::to_string(i) + ".";
    specs.push_back(RandomTensor(p + "self_attn.q_proj.weight", {c.q_dim(), c.hidden}, 0.2f));
    specs.push_back(RandomTensor(p + "self_attn.k_proj.weight", {c.kv_dim(), c.hidden}, 0.2f));
    specs.push_back(RandomTensor(p + "self_attn.v_proj.weight", {c.kv_dim(), c.hidden}, 0.2f));
    specs.push_back(RandomTensor(p + "self_attn.o_proj.weight", {c.hidden, c.q_dim()}, 0.05f));
    specs.push_back(RandomTensor(p + "mlp.gate_proj.weight", {c.intermediate, c.hidden}, 0.2f));
    specs.push_back(RandomTensor(p + "mlp.up_proj.weight", {c.intermediate, c.hidden}, 0.2f));
    specs.push_back(RandomTensor(p + "mlp.down_proj.weight", {c.hidden, c.intermediate}, 0.1f));
    specs.push_back(RandomTensor(p + "input_layernorm.weight", {c.hidden}, 0.1f));
    specs.push_back(RandomTensor(p + "post_attention_layernorm.weight", {c.hidden}, 0.1f));
    if (c.sandwich_norms) {
      specs.push_back(RandomTensor(p + "pre_feedforward_layernorm.weight", {c.hidden}, 0.1f));
      specs.push_back(RandomTensor(p + "post_feedforward_layernorm.weight", {c.hidden}, 0.1f));
    }
    if (c.qk_norm) {
      specs.push_back(RandomTensor(p + "self_attn.q_norm.weight", {c.head_dim}, 0.1f));
      specs.push_back(RandomTensor(p + "self_attn.k_norm.weight", {c.head_dim}, 0.1f));
    }
  }
  WriteSafetensors(dir + "/model.safetensors", specs);
}

void CopyFile(const std::string& from, const std::string& to) { test::WriteFile(to, test::ReadFile(from)); }

// Every file of a published folder other than config.json, which the tests write shrunk.
const char* const kPublishedFiles[] = {"generation_config.json", "chat_template.jinja", "chat_template.json",
                                       "added_tokens.json", "special_tokens_map.json", "preprocessor_config.json",
                                       "processor_config.json"};

// A checkpoint folder (removed with the object): the published folder's files, `config` as its
// config.json, a tokenizer, and fresh random weights. A variant (weights_from given) links the
// weights of that folder (same tensor shapes) and has no tokenizer: it is only compared by logits,
// and reading Gemma 3's tokenizer.json is most of a load's time.
class Folder {
 public:
  Folder(const std::string& published, const json& config, const std::string& weights_from = "")
      : dir_(scratch_.Make("published")) {
    for (const char* name : kPublishedFiles) {
      const std::string from = Published(published) + "/" + name;
      if (std::filesystem::exists(from)) CopyFile(from, dir_ + "/" + name);
    }
    test::WriteFile(dir_ + "/config.json", config.dump(2));
    if (!weights_from.empty()) {
      std::filesystem::create_symlink(weights_from + "/model.safetensors", dir_ + "/model.safetensors");
      return;
    }
    const bool multimodal = config.value("architectures", json::array()).dump().find("ConditionalGeneration") !=
                            std::string::npos;
    WriteRandomWeights(dir_, config, multimodal ? "language_model.model." : "model.");
    if (published.rfind("gemma-3", 0) == 0) {
      // Gemma 3's real vocabulary: 262,145 entries, <image_soft_token> = 262144 the last.
      CopyFile(TokenizerDir() + "/tokenizer.json", dir_ + "/tokenizer.json");
      CopyFile(TokenizerDir() + "/tokenizer_config.json", dir_ + "/tokenizer_config.json");
    } else {
      // gemma-2-9b-it and gemma-7b-it: the test data has no tokenizer of theirs, so they get the
      // repository's 640-piece Gemma tokenizer and, for these two only, vocab_size 640 to match
      // (ShrunkWithTinyVocab), and the official Gemma 1/2 chat template (their published
      // tokenizer_config.json carries it; not in the test data either).
      CopyFile(test::DataPath("gemma2-tiny/tokenizer.model"), dir_ + "/tokenizer.model");
      CopyFile(test::DataPath("../tokenizer/gemma2_chat_template.jinja"), dir_ + "/chat_template.jinja");
    }
  }
  const std::string& dir() const { return dir_; }

 private:
  test::ScratchDirs scratch_;  // declared before dir_, which it makes (and removes)
  std::string dir_;
};

std::shared_ptr<const Model> Load(const std::string& dir) {
  LoadOptions o;
  o.n_threads = kThreads;
  return Model::Load(dir, o);
}

SessionOptions Threads() {
  SessionOptions o;
  o.n_threads = kThreads;
  return o;
}

// Logits of every position of `ids`, row after row.
std::vector<float> Logits(std::shared_ptr<const Model> model, const std::vector<int32_t>& ids) {
  Session s(std::move(model), Threads());
  s.Evaluate(ids, /*all_logits=*/true);
  EXPECT_EQ(s.logits_rows(), ids.size());
  const size_t vocab = static_cast<size_t>(s.model().info().vocab_size);
  return std::vector<float>(s.logits(0), s.logits(0) + ids.size() * vocab);
}

std::vector<float> Logits(const std::string& dir, const std::vector<int32_t>& ids) { return Logits(Load(dir), ids); }

// The C ABI's model and a session of it, freed together.
struct CModel {
  explicit CModel(const std::string& dir) {
    gemmakit_model_params mp;
    gemmakit_model_params_init(&mp, sizeof mp);
    mp.n_threads = kThreads;
    EXPECT_EQ(gemmakit_model_load(dir.c_str(), &mp, &model), GEMMAKIT_OK) << gemmakit_last_error();
    gemmakit_session_params sp;
    gemmakit_session_params_init(&sp, sizeof sp);
    sp.n_threads = kThreads;
    if (model) {
      EXPECT_EQ(gemmakit_session_create(model, &sp, &session), GEMMAKIT_OK) << gemmakit_last_error();
    }
  }
  ~CModel() {
    gemmakit_session_free(session);
    gemmakit_model_free(model);
  }
  CModel(const CModel&) = delete;
  CModel& operator=(const CModel&) = delete;
  gemmakit_model* model = nullptr;
  gemmakit_session* session = nullptr;
};

float MaxAbsDiff(const float* a, const float* b, size_t n) {
  float worst = 0.f;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

const ModelInfo::ResolvedField* FindField(const ModelInfo& info, const std::string& name) {
  for (const auto& f : info.resolved_config) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// A resolved value and where it came from, checked against a number from the README's table.
void ExpectField(const ModelInfo& info, const std::string& name, double value, bool from_default) {
  const ModelInfo::ResolvedField* f = FindField(info, name);
  ASSERT_NE(f, nullptr) << name << " is not among the resolved fields";
  EXPECT_DOUBLE_EQ(std::stod(f->value), value) << name;
  EXPECT_EQ(f->from_default, from_default) << name << " = " << f->value;
}

void ExpectField(const ModelInfo& info, const std::string& name, const std::string& value, bool from_default) {
  const ModelInfo::ResolvedField* f = FindField(info, name);
  ASSERT_NE(f, nullptr) << name << " is not among the resolved fields";
  EXPECT_EQ(f->value, value) << name;
  EXPECT_EQ(f->from_default, from_default) << name << " = " << f->value;
}

// A published Gemma 3 folder shrunk to 6 layers (the first global layer under pattern 6) and its
// model, built and loaded once for all the tests that read it (a model is read-only).
struct Shared {
  std::unique_ptr<Folder> folder;
  std::shared_ptr<const Model> model;
};
std::map<std::string, Shared>& SharedGemma3() {
  static std::map<std::string, Shared> shared;
  return shared;
}
const Shared& Gemma3(const std::string& published) {
  auto it = SharedGemma3().find(published);
  if (it == SharedGemma3().end()) {
    // Kept only once loaded: a folder that fails to load fails every test that asks for it.
    Shared s;
    s.folder = std::make_unique<Folder>(published, Shrunk(published, 6));
    s.model = Load(s.folder->dir());
    it = SharedGemma3().emplace(published, std::move(s)).first;
  }
  return it->second;
}

class PublishedCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    // A failure, not a skip: the fixture that installs the tokenizer must have run.
    ASSERT_FALSE(TokenizerDir().empty()) << "GEMMAKIT_GEMMA3_TOKENIZER_DIR is not set";
  }
  static void TearDownTestSuite() { SharedGemma3().clear(); }
};

// ---- Gemma 3: loads, tokenizes with the real files, chats through the published template ---------

const std::string kHelloChat = "<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\n";
// The real tokenizer's ids of kHelloChat: <bos>, <start_of_turn>, "user", "\n", "Hello",
// <end_of_turn>, "\n", <start_of_turn>, "model", "\n".
const std::vector<int32_t> kHelloChatIds = {2, 105, 2364, 107, 9259, 106, 107, 105, 4368, 107};

void LoadsTokenizesAndChats(const std::string& published, int64_t model_vocab) {
  SCOPED_TRACE(published);
  const Folder& f = *Gemma3(published).folder;
  const auto model = Gemma3(published).model;
  const ModelInfo& info = model->info();
  EXPECT_EQ(info.architecture, "gemma3");
  EXPECT_EQ(info.vocab_size, model_vocab);
  EXPECT_EQ(info.n_layers, 6);
  EXPECT_EQ(info.hidden_size, kHidden);
  EXPECT_EQ(info.tokenizer_source, "tokenizer.json");
  // chat_template.jinja (270m), chat_template.json (4b), tokenizer_config.json's (1b): each the
  // official Gemma 3 template.
  EXPECT_EQ(info.chat_template, "gemma3");

  const Tokenizer& tok = model->tokenizer();
  EXPECT_EQ(tok.vocab_size(), 262145);  // one more than the 1b/270m embedding tables
  EXPECT_EQ(tok.Encode("Hello"), std::vector<int32_t>({9259}));
  EXPECT_EQ(tok.Encode("<start_of_turn>", /*parse_special=*/true), std::vector<int32_t>({105}));
  EXPECT_EQ(tok.Encode("<image_soft_token>", /*parse_special=*/true), std::vector<int32_t>({262144}));
  EXPECT_EQ(model->ApplyChatTemplate({{"user", "Hello"}}, /*add_generation_prompt=*/true), kHelloChat);
  EXPECT_EQ(tok.Encode(kHelloChat, /*parse_special=*/true), kHelloChatIds);

  Session s(model, Threads());
  s.Evaluate({2, 9259});  // <bos> Hello
  ASSERT_EQ(s.logits_rows(), 1u);
  EXPECT_TRUE(std::isfinite(s.logits()[model_vocab - 1]));

  s.Reset();
  GenerateOptions g;
  g.max_tokens = 3;
  g.sampling.temperature = 0;  // greedy
  const GenerateResult r = s.Chat({{"user", "Hello"}}, g);
  EXPECT_EQ(r.n_prompt_tokens, static_cast<int64_t>(kHelloChatIds.size()));
  EXPECT_LE(r.tokens.size(), 3u);
  EXPECT_GE(r.tokens.size(), 1u);
  for (int32_t id : r.tokens) EXPECT_LT(id, model_vocab);
  EXPECT_TRUE(std::equal(kHelloChatIds.begin(), kHelloChatIds.end(), s.tokens().begin()));

  // The same through the C ABI: logits rows have the model's vocabulary size.
  CModel c(f.dir());
  ASSERT_NE(c.session, nullptr);
  int32_t ids[2] = {2, 9259};
  size_t n_ids = 0;
  ASSERT_EQ(gemmakit_tokenize(c.model, "Hello", 5, 0, ids + 1, 1, &n_ids), GEMMAKIT_OK) << gemmakit_last_error();
  EXPECT_EQ(n_ids, 1u);
  EXPECT_EQ(ids[1], 9259);
  ASSERT_EQ(gemmakit_session_eval(c.session, ids, 2, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK) << gemmakit_last_error();
  const float* logits = nullptr;
  size_t rows = 0, vocab = 0;
  ASSERT_EQ(gemmakit_session_logits(c.session, &logits, &rows, &vocab), GEMMAKIT_OK);
  EXPECT_EQ(rows, 1u);
  EXPECT_EQ(vocab, static_cast<size_t>(model_vocab));
  // gemmakit_model_resolved_config: one field a line, "(default)" where the config left it out
  // (the 4b's text_config leaves out vocab_size; the 1b and 270m write 262144).
  size_t needed = 0;
  EXPECT_EQ(gemmakit_model_resolved_config(c.model, nullptr, 0, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  std::string text(needed, '\0');
  ASSERT_EQ(gemmakit_model_resolved_config(c.model, text.data(), text.size(), &needed), GEMMAKIT_OK);
  text.resize(needed - 1);
  EXPECT_EQ(text.rfind("config_class Gemma3TextConfig\n", 0), 0u) << text;
  const std::string vocab_line = "\nvocab_size " + std::to_string(model_vocab) + (model_vocab == 262208 ? " (default)\n" : "\n");
  EXPECT_NE(text.find(vocab_line), std::string::npos) << text;
}

// An id the tokenizer knows but the embedding table has no row for (the 1b/270m tables have
// 262144 rows; <image_soft_token> is 262144): refused at evaluation, naming the id, session kept.
void RefusesIdPastTheTable(const std::string& published) {
  SCOPED_TRACE(published);
  const Folder& f = *Gemma3(published).folder;
  const auto model = Gemma3(published).model;
  ASSERT_EQ(model->info().vocab_size, 262144);
  std::vector<int32_t> ids = {2};
  for (int32_t id : model->tokenizer().Encode("Hello <image_soft_token>", /*parse_special=*/true)) ids.push_back(id);
  ASSERT_EQ(ids.back(), 262144);

  Session s(model, Threads());
  try {
    s.Evaluate(ids);
    ADD_FAILURE() << "a prompt with id 262144 was evaluated";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("262144"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.n_past(), 0);
  // A chat whose text holds the token: the rendered template is tokenized with special parsing.
  GenerateOptions g;
  g.max_tokens = 2;
  g.sampling.temperature = 0;
  EXPECT_EQ(test::StatusOf([&] { s.Chat({{"user", "<image_soft_token>"}}, g); }), Status::kInvalidArgument);
  // The session is still usable.
  s.Evaluate({2, 9259});
  EXPECT_EQ(s.n_past(), 2);

  // The C ABI: GEMMAKIT_ERR_INVALID_ARGUMENT and a message naming the id.
  CModel c(f.dir());
  ASSERT_NE(c.session, nullptr);
  EXPECT_EQ(gemmakit_session_eval(c.session, ids.data(), ids.size(), GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("262144"), std::string::npos) << gemmakit_last_error();
  int64_t n_past = -1;
  EXPECT_EQ(gemmakit_session_n_past(c.session, &n_past), GEMMAKIT_OK);
  EXPECT_EQ(n_past, 0);
}

TEST_F(PublishedCheckpoint, Gemma3_270m_LoadsTokenizesChats) { LoadsTokenizesAndChats("gemma-3-270m-it", 262144); }
TEST_F(PublishedCheckpoint, Gemma3_1b_LoadsTokenizesChats) { LoadsTokenizesAndChats("gemma-3-1b-it", 262144); }
TEST_F(PublishedCheckpoint, Gemma3_4b_LoadsTokenizesChats) { LoadsTokenizesAndChats("gemma-3-4b-it", 262208); }
TEST_F(PublishedCheckpoint, Gemma3_270m_RefusesTheIdPastItsTable) { RefusesIdPastTheTable("gemma-3-270m-it"); }
TEST_F(PublishedCheckpoint, Gemma3_1b_RefusesTheIdPastItsTable) { RefusesIdPastTheTable("gemma-3-1b-it"); }

// The 4b's table has 262208 rows: <image_soft_token> has one (a text model sees a token), 262208
// has none.
TEST_F(PublishedCheckpoint, Gemma3_4b_TableEndsAt262208) {
  Session s(Gemma3("gemma-3-4b-it").model, Threads());
  s.Evaluate({2, 262144});
  EXPECT_EQ(s.n_past(), 2);
  try {
    s.Evaluate({262208});
    ADD_FAILURE() << "id 262208 was evaluated";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("262208"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.n_past(), 2);
}

// ---- Gemma 3 4b: the minimal text_config resolves to Gemma3TextConfig's defaults ------------------

// The README's table of Gemma3TextConfig defaults (transformers), as numbers.
constexpr double kDefaultVocab = 262208, kDefaultHeads = 8, kDefaultKvHeads = 4, kDefaultHeadDim = 256,
                 kDefaultRopeTheta = 1e6, kDefaultRopeLocal = 1e4, kDefaultQueryScalar = 256, kDefaultPattern = 6,
                 kDefaultEps = 1e-6, kDefaultMaxPositions = 131072;

TEST_F(PublishedCheckpoint, Gemma3_4b_ResolvesTheTransformersDefaults) {
  const auto model = Gemma3("gemma-3-4b-it").model;
  const ModelInfo& info = model->info();
  ExpectField(info, "config_class", "Gemma3TextConfig", false);
  // Left out of the published text_config: the defaults.
  ExpectField(info, "vocab_size", kDefaultVocab, true);
  ExpectField(info, "num_attention_heads", kDefaultHeads, true);
  ExpectField(info, "num_key_value_heads", kDefaultKvHeads, true);
  ExpectField(info, "head_dim", kDefaultHeadDim, true);
  ExpectField(info, "rope.full_attention.theta", kDefaultRopeTheta, true);
  ExpectField(info, "rope.sliding_attention.theta", kDefaultRopeLocal, true);
  ExpectField(info, "query_pre_attn_scalar", kDefaultQueryScalar, true);
  ExpectField(info, "sliding_window_pattern", kDefaultPattern, true);
  ExpectField(info, "layer_types", "SSSSSG", true);
  ExpectField(info, "rms_norm_eps", kDefaultEps, true);
  ExpectField(info, "max_position_embeddings", kDefaultMaxPositions, true);
  ExpectField(info, "hidden_activation", "gelu_pytorch_tanh", true);
  // Written in the published text_config (sizes as shrunk): not defaults.
  ExpectField(info, "hidden_size", kHidden, false);
  ExpectField(info, "intermediate_size", kIntermediate, false);
  ExpectField(info, "num_hidden_layers", 6, false);
  ExpectField(info, "sliding_window", 1024, false);
  // rope_scaling {linear, 8} scales the global layers only.
  ExpectField(info, "rope.full_attention.type", "linear", false);
  ExpectField(info, "rope.full_attention.factor", 8, false);
  ExpectField(info, "rope.sliding_attention.type", "default", true);
  EXPECT_EQ(FindField(info, "rope.sliding_attention.factor"), nullptr);
  // The same numbers in the summary.
  EXPECT_EQ(info.vocab_size, 262208);
  EXPECT_EQ(info.n_heads, 8);
  EXPECT_EQ(info.n_kv_heads, 4);
  EXPECT_EQ(info.head_dim, 256);
  EXPECT_EQ(info.context_length, 131072);
  EXPECT_EQ(info.sliding_window, 1024);
  EXPECT_EQ(info.n_sliding_layers, 5);
  // No vision tower in the folder: the text model loaded without one.
  EXPECT_EQ(info.image_tokens, 0);
}

// ---- Gemma 3 4b: a minimal config computes exactly what the config with every default does --------

// A prompt of 40 tokens or more from the real tokenizer (more than a few sliding windows of 8).
std::vector<int32_t> LongPrompt(const Tokenizer& tok) {
  std::vector<int32_t> ids = {2};
  for (int32_t id : tok.Encode("The quick brown fox jumps over the lazy dog, then rests under an old oak tree "
                               "while the farmer counts his sheep twice and writes the numbers in a small book before supper, as he has done every evening for forty years.")) {
    ids.push_back(id);
  }
  EXPECT_GE(ids.size(), 40u);
  return ids;
}

// The shrunk 4b config with every Gemma3TextConfig default of the README's table written out.
json WithDefaultsWrittenOut(json config) {
  json& t = TextConfig(config);
  t["vocab_size"] = 262208;
  t["num_attention_heads"] = 8;
  t["num_key_value_heads"] = 4;
  t["head_dim"] = 256;
  t["rope_theta"] = 1000000.0;
  t["rope_local_base_freq"] = 10000.0;
  t["query_pre_attn_scalar"] = 256;
  t["sliding_window_pattern"] = 6;
  t["rms_norm_eps"] = 1e-6;
  t["max_position_embeddings"] = 131072;
  t["hidden_activation"] = "gelu_pytorch_tanh";
  t["attn_logit_softcapping"] = nullptr;
  t["final_logit_softcapping"] = nullptr;
  return config;
}

// The shrunk 4b config as transformers 5 saves it: rope_parameters per layer type instead of
// rope_theta / rope_local_base_freq / rope_scaling.
json InTransformers5Form(json config) {
  json& t = TextConfig(config);
  t.erase("rope_scaling");
  t.erase("rope_theta");
  t.erase("rope_local_base_freq");
  t["rope_parameters"] = {
      {"full_attention", {{"rope_type", "linear"}, {"factor", 8.0}, {"rope_theta", 1000000.0}}},
      {"sliding_attention", {{"rope_type", "default"}, {"rope_theta", 10000.0}}}};
  return config;
}

json WithSlidingWindow(json config, int64_t window) {
  TextConfig(config)["sliding_window"] = window;
  return config;
}

void ExpectBitwiseEqual(const std::vector<float>& a, const std::vector<float>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  EXPECT_TRUE(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0)
      << what << ": the logits differ, max |diff| " << MaxAbsDiff(a.data(), b.data(), a.size());
}

TEST_F(PublishedCheckpoint, Gemma3_4b_MinimalConfigGivesTheLogitsOfEveryDefaultWrittenOut) {
  const json minimal = Shrunk("gemma-3-4b-it", 6);
  const Folder& base = *Gemma3("gemma-3-4b-it").folder;
  const auto model = Gemma3("gemma-3-4b-it").model;
  const std::vector<int32_t> ids = LongPrompt(model->tokenizer());
  const size_t vocab = 262208;

  const std::vector<float> reference = Logits(model, ids);
  ASSERT_EQ(reference.size(), ids.size() * vocab);
  ExpectBitwiseEqual(reference, Logits(Folder("gemma-3-4b-it", WithDefaultsWrittenOut(minimal), base.dir()).dir(), ids),
                     "every default written out");
  ExpectBitwiseEqual(reference, Logits(Folder("gemma-3-4b-it", InTransformers5Form(minimal), base.dir()).dir(), ids),
                     "transformers 5's rope_parameters");

  // rope_theta 10000 written explicitly (what a resolver without Gemma3TextConfig's default used):
  // the global layer turns differently, so logits part from the first position on, where the
  // rotation is the identity for any base.
  json theta = minimal;
  TextConfig(theta)["rope_theta"] = 10000.0;
  const std::vector<float> wrong = Logits(Folder("gemma-3-4b-it", theta, base.dir()).dir(), ids);
  EXPECT_LE(MaxAbsDiff(&reference[0], &wrong[0], vocab), 1e-5f) << "position 0";
  for (size_t row = 4; row < ids.size(); ++row) {
    EXPECT_GT(MaxAbsDiff(&reference[row * vocab], &wrong[row * vocab], vocab), 1e-3f) << "position " << row;
  }
}

// The same with a window the prompt outgrows, set in both configs, so sliding layers drop keys.
TEST_F(PublishedCheckpoint, Gemma3_4b_MinimalConfigEqualsDefaultsWrittenOutWithASmallWindow) {
  const json published_window = Shrunk("gemma-3-4b-it", 6);
  const json minimal = WithSlidingWindow(published_window, 8);
  const Shared& published = Gemma3("gemma-3-4b-it");
  const std::vector<int32_t> ids = LongPrompt(published.model->tokenizer());
  const size_t vocab = 262208;

  Folder base("gemma-3-4b-it", minimal, published.folder->dir());
  const std::vector<float> reference = Logits(base.dir(), ids);
  ExpectBitwiseEqual(reference, Logits(Folder("gemma-3-4b-it", WithDefaultsWrittenOut(minimal), base.dir()).dir(), ids),
                     "every default written out, window 8");
  ExpectBitwiseEqual(reference, Logits(Folder("gemma-3-4b-it", InTransformers5Form(minimal), base.dir()).dir(), ids),
                     "transformers 5's rope_parameters, window 8");
  // The window matters: past position 8 the logits differ from those of the published 1024.
  const std::vector<float> wide = Logits(published.model, ids);
  ExpectBitwiseEqual(std::vector<float>(reference.begin(), reference.begin() + 8 * vocab),
                     std::vector<float>(wide.begin(), wide.begin() + 8 * vocab), "the first 8 positions");
  for (size_t row = 9; row < ids.size(); ++row) {
    EXPECT_GT(MaxAbsDiff(&reference[row * vocab], &wide[row * vocab], vocab), 1e-3f) << "position " << row;
  }
}

// ---- Gemma 2 (gemma-2-9b-it): soft-caps ---------------------------------------------------------

// gemma-2-9b-it and gemma-7b-it have no tokenizer in the test data: their folders carry the
// repository's 640-piece tokenizer, so vocab_size shrinks to 640 for these two only.
json ShrunkWithTinyVocab(const std::string& published) {
  json config = Shrunk(published, 2);
  config["vocab_size"] = 640;
  return config;
}

std::vector<int32_t> TinyPrompt(const Model& model) {
  std::vector<int32_t> ids = {2};
  for (int32_t id : model.tokenizer().Encode("The quick brown fox jumps over the lazy dog.")) ids.push_back(id);
  return ids;
}

// Loads and chats (greedy, a few tokens) through the official Gemma 1/2 template.
void ExpectLoadsAndChats(const std::shared_ptr<const Model>& model, const std::string& architecture) {
  EXPECT_EQ(model->info().architecture, architecture);
  EXPECT_EQ(model->info().vocab_size, 640);
  EXPECT_EQ(model->info().chat_template, "gemma");
  EXPECT_EQ(model->tokenizer().Encode("<start_of_turn>"), std::vector<int32_t>({model->tokenizer().special().start_of_turn}));
  Session s(model, Threads());
  GenerateOptions g;
  g.max_tokens = 3;
  g.sampling.temperature = 0;
  const GenerateResult r = s.Chat({{"user", "Hello"}}, g);
  EXPECT_GE(r.tokens.size(), 1u);
  EXPECT_LE(r.tokens.size(), 3u);
  EXPECT_EQ(s.tokens().front(), 2);
  EXPECT_EQ(s.tokens()[1], model->tokenizer().special().start_of_turn);
}

TEST_F(PublishedCheckpoint, Gemma2_9b_SoftcapsAsPublishedDefaultAndNull) {
  const json published = ShrunkWithTinyVocab("gemma-2-9b-it");
  Folder base("gemma-2-9b-it", published);
  const auto model = Load(base.dir());
  ExpectLoadsAndChats(model, "gemma2");
  ExpectField(model->info(), "config_class", "Gemma2Config", false);
  ExpectField(model->info(), "attn_logit_softcapping", 50, false);
  ExpectField(model->info(), "final_logit_softcapping", 30, false);
  ExpectField(model->info(), "sliding_window", 4096, false);
  ExpectField(model->info(), "layer_types", "SG", true);
  const std::vector<int32_t> ids = TinyPrompt(*model);
  const std::vector<float> reference = Logits(model, ids);

  // Left out: Gemma2Config's defaults, 50 and 30, the published values.
  json removed = published;
  removed.erase("attn_logit_softcapping");
  removed.erase("final_logit_softcapping");
  Folder without("gemma-2-9b-it", removed, base.dir());
  ExpectField(Load(without.dir())->info(), "attn_logit_softcapping", 50, true);
  ExpectField(Load(without.dir())->info(), "final_logit_softcapping", 30, true);
  ExpectBitwiseEqual(reference, Logits(without.dir(), ids), "soft-caps left out");

  // null: no soft-cap at all.
  json nulled = published;
  nulled["attn_logit_softcapping"] = nullptr;
  nulled["final_logit_softcapping"] = nullptr;
  Folder uncapped("gemma-2-9b-it", nulled, base.dir());
  ExpectField(Load(uncapped.dir())->info(), "final_logit_softcapping", "none", false);
  const std::vector<float> raw = Logits(uncapped.dir(), ids);
  EXPECT_GT(MaxAbsDiff(reference.data(), raw.data(), raw.size()), 1e-3f);
  // Capped logits stay inside (-30, 30); these random weights exceed that without the cap.
  float capped_max = 0.f, raw_max = 0.f;
  for (float v : reference) capped_max = std::max(capped_max, std::fabs(v));
  for (float v : raw) raw_max = std::max(raw_max, std::fabs(v));
  EXPECT_LT(capped_max, 30.f);
  EXPECT_GT(raw_max, capped_max);
}

// ---- Gemma 1 (gemma-7b-it): hidden_act "gelu" without hidden_activation ---------------------------

// GemmaMLP of transformers 4.38.2 to 4.47 ignores hidden_act and uses gelu_pytorch_tanh when
// hidden_activation is absent (transformers PR 29402): the tanh GELU Gemma was trained with.
// (transformers' modular GemmaMLP of 4.48 and later reads hidden_act instead, which would give the
// published gemma-7b config the exact GELU; gemmakit follows the fixed behaviour, as issue 12 asks.)
TEST_F(PublishedCheckpoint, Gemma1_7b_HiddenActGeluMeansTheTanhApproximation) {
  const json published = ShrunkWithTinyVocab("gemma-7b-it");
  ASSERT_EQ(published.value("hidden_act", ""), "gelu");
  ASSERT_FALSE(published.contains("hidden_activation"));
  Folder base("gemma-7b-it", published);
  const auto model = Load(base.dir());
  ExpectLoadsAndChats(model, "gemma");
  ExpectField(model->info(), "config_class", "GemmaConfig", false);
  ExpectField(model->info(), "hidden_activation", "gelu_pytorch_tanh", true);
  const std::vector<int32_t> ids = TinyPrompt(*model);
  const std::vector<float> reference = Logits(model, ids);

  json tanh = published;
  tanh["hidden_activation"] = "gelu_pytorch_tanh";
  ExpectBitwiseEqual(reference, Logits(Folder("gemma-7b-it", tanh, base.dir()).dir(), ids),
                     "hidden_activation gelu_pytorch_tanh");

  json exact = published;
  exact["hidden_activation"] = "gelu";
  const std::vector<float> erf = Logits(Folder("gemma-7b-it", exact, base.dir()).dir(), ids);
  EXPECT_GT(MaxAbsDiff(reference.data(), erf.data(), erf.size()), 1e-4f) << "hidden_activation gelu (exact)";
}

}  // namespace
}  // namespace gemmakit
