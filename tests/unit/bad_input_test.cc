// Broken checkpoints and out-of-range requests: each must fail with a gemmakit::Error whose status
// says what kind of problem it is and whose message names it, never crash or hang, and a session
// must be unchanged by a call that fails. Loading is also checked through the C API, which must
// report the same status and message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit.h"
#include "gemmakit/chat.h"
#include "gemmakit/model.h"
#include "gemmakit/sampling.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "gemmakit/tokenizer.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr char kModel[] = "gemma1-tiny";  // one BF16 model.safetensors, vocab 640, hidden 64, 3 layers
constexpr int32_t kVocab = 640;

// Runs `f`, which must throw Error with `want` and a message containing `needle`; returns the message.
std::string ExpectError(const std::function<void()>& f, Status want, const std::string& needle) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), want) << "got " << StatusName(e.status()) << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message lacks \"" << needle << "\": " << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a gemmakit::Error: " << e.what();
    return "";
  }
  ADD_FAILURE() << "no Error thrown; expected " << StatusName(want) << " mentioning \"" << needle << "\"";
  return "";
}

// Model::Load must fail as described, and gemmakit_model_load the same way.
void ExpectLoadError(const std::string& dir, Status want, const std::string& needle) {
  SCOPED_TRACE(dir);
  const std::string message = ExpectError([&] { Model::Load(dir); }, want, needle);
  gemmakit_model* model = reinterpret_cast<gemmakit_model*>(&model);  // a failed load must reset it
  EXPECT_EQ(gemmakit_model_load(dir.c_str(), nullptr, &model), static_cast<gemmakit_status>(want));
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(std::string(gemmakit_last_error()), message);
  gemmakit_model_free(model);
}

class BadCheckpointTest : public ::testing::Test {
 protected:
  // A scratch folder holding copies of the given files of the bundled gemma1-tiny.
  std::string Copy(const std::string& tag,
                   const std::vector<std::string>& files = {"config.json", "model.safetensors", "tokenizer.model"}) {
    const std::string dir = dirs_.Make("bad_" + tag);
    for (const std::string& f : files) {
      test::WriteFile(dir + "/" + f, test::ReadFile(test::DataPath(std::string(kModel) + "/" + f)));
    }
    return dir;
  }

  static json Config() { return json::parse(test::ReadFile(test::DataPath(std::string(kModel) + "/config.json"))); }

  // A full copy whose config.json is `config`.
  std::string WithConfig(const std::string& tag, const json& config) {
    const std::string dir = Copy(tag);
    test::WriteFile(dir + "/config.json", config.dump(2));
    return dir;
  }

  std::string WithConfigText(const std::string& tag, const std::string& text) {
    const std::string dir = Copy(tag);
    test::WriteFile(dir + "/config.json", text);
    return dir;
  }

 private:
  test::ScratchDirs dirs_;
};

TEST_F(BadCheckpointTest, TheUnbrokenCopyLoads) {
  const std::string dir = Copy("ok");
  auto model = Model::Load(dir);
  EXPECT_EQ(model->info().architecture, "gemma");
  EXPECT_EQ(model->info().n_layers, 3);
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(dir.c_str(), nullptr, &m), GEMMAKIT_OK);
  EXPECT_STREQ(gemmakit_last_error(), "");
  gemmakit_model_free(m);
}

TEST_F(BadCheckpointTest, MissingFolder) {
  const std::string dir = Copy("missing", {}) + "/not_there";
  ExpectLoadError(dir, Status::kIoError, "does not exist");
  ExpectLoadError(dir, Status::kIoError, dir);
}

TEST_F(BadCheckpointTest, EmptyPath) { ExpectLoadError("", Status::kInvalidArgument, "no model path"); }

TEST_F(BadCheckpointTest, EmptyFolder) {
  const std::string dir = Copy("empty", {});
  ExpectLoadError(dir, Status::kIoError, "config.json");
}

TEST_F(BadCheckpointTest, ConfigMissing) {
  const std::string dir = Copy("noconfig", {"model.safetensors", "tokenizer.model"});
  ExpectLoadError(dir, Status::kIoError, "no config.json in " + dir);
}

TEST_F(BadCheckpointTest, WeightsMissing) {
  const std::string dir = Copy("noweights", {"config.json", "tokenizer.model"});
  ExpectLoadError(dir, Status::kIoError, "model.safetensors");
}

TEST_F(BadCheckpointTest, ConfigIsADirectory) {
  const std::string dir = Copy("configdir", {"model.safetensors", "tokenizer.model"});
  std::filesystem::create_directory(dir + "/config.json");
  ExpectLoadError(dir, Status::kIoError, "config.json");
}

TEST_F(BadCheckpointTest, ConfigEmpty) {
  ExpectLoadError(WithConfigText("cfg_empty", ""), Status::kFormatError, "config.json");
}

TEST_F(BadCheckpointTest, ConfigNotJson) {
  ExpectLoadError(WithConfigText("cfg_notjson", "{\"model_type\": \"gemma\", "), Status::kFormatError,
                  "config.json");
  ExpectLoadError(WithConfigText("cfg_garbage", "model_type = gemma\n"), Status::kFormatError, "config.json");
  ExpectLoadError(WithConfigText("cfg_binary", std::string("\0\xff\xfe{", 4)), Status::kFormatError,
                  "config.json");
}

TEST_F(BadCheckpointTest, ConfigIsAJsonArray) {
  ExpectLoadError(WithConfig("cfg_array", json::array({Config()})), Status::kFormatError, "config.json");
  ExpectLoadError(WithConfigText("cfg_string", "\"gemma\""), Status::kFormatError, "config.json");
  ExpectLoadError(WithConfigText("cfg_null", "null"), Status::kFormatError, "config.json");
}

TEST_F(BadCheckpointTest, ConfigWithoutModelType) {
  json c = Config();
  c.erase("model_type");
  ExpectLoadError(WithConfig("cfg_notype", c), Status::kFormatError, "model_type");
  c["model_type"] = nullptr;
  ExpectLoadError(WithConfig("cfg_nulltype", c), Status::kFormatError, "model_type");
}

TEST_F(BadCheckpointTest, UnknownModelType) {
  json c = Config();
  c["model_type"] = "llama";
  ExpectLoadError(WithConfig("cfg_llama", c), Status::kUnsupported, "llama");
  c["model_type"] = 3;
  ExpectLoadError(WithConfig("cfg_typeint", c), Status::kFormatError, "model_type");
}

TEST_F(BadCheckpointTest, WrongFieldTypes) {
  json c = Config();
  c["hidden_size"] = "64";
  ExpectLoadError(WithConfig("cfg_hidden_str", c), Status::kFormatError, "hidden_size");
  c = Config();
  c["num_hidden_layers"] = 3.5;
  ExpectLoadError(WithConfig("cfg_layers_float", c), Status::kFormatError, "num_hidden_layers");
  c = Config();
  c["rms_norm_eps"] = "small";
  ExpectLoadError(WithConfig("cfg_eps_str", c), Status::kFormatError, "rms_norm_eps");
  c = Config();
  c["tie_word_embeddings"] = "yes";
  ExpectLoadError(WithConfig("cfg_tie_str", c), Status::kFormatError, "tie_word_embeddings");
  c = Config();
  c["vocab_size"] = json::array({640});
  ExpectLoadError(WithConfig("cfg_vocab_array", c), Status::kFormatError, "vocab_size");
}

TEST_F(BadCheckpointTest, MissingOrOutOfRangeSizes) {
  // A left-out size takes the family's default (Gemma3TextConfig: 2304), which the tensors then
  // contradict: the error names the tensor and the field.
  json c = Config();
  c.erase("hidden_size");
  ExpectLoadError(WithConfig("cfg_nohidden", c), Status::kFormatError, "hidden_size");
  c = Config();
  c["num_hidden_layers"] = 0;
  ExpectLoadError(WithConfig("cfg_zero_layers", c), Status::kFormatError, "num_hidden_layers");
  c = Config();
  c["vocab_size"] = -640;
  ExpectLoadError(WithConfig("cfg_neg_vocab", c), Status::kFormatError, "vocab_size");
  c = Config();
  c["intermediate_size"] = int64_t{1} << 40;
  ExpectLoadError(WithConfig("cfg_huge_ffn", c), Status::kFormatError, "intermediate_size");
}

TEST_F(BadCheckpointTest, HeadsNotAMultipleOfKvHeads) {
  json c = Config();
  c["num_attention_heads"] = 4;
  c["num_key_value_heads"] = 3;
  ExpectLoadError(WithConfig("cfg_heads", c), Status::kFormatError, "num_key_value_heads");
  c["num_key_value_heads"] = 0;
  ExpectLoadError(WithConfig("cfg_kv0", c), Status::kFormatError, "num_key_value_heads");
}

TEST_F(BadCheckpointTest, HeadDimZeroOrOdd) {
  json c = Config();
  c["head_dim"] = 0;
  ExpectLoadError(WithConfig("cfg_headdim0", c), Status::kFormatError, "head_dim");
  c["head_dim"] = 15;
  ExpectLoadError(WithConfig("cfg_headdim_odd", c), Status::kFormatError, "head_dim");
}

TEST_F(BadCheckpointTest, HiddenSizeDisagreesWithTensors) {
  json c = Config();
  c["hidden_size"] = 128;
  const std::string dir = WithConfig("cfg_hidden128", c);
  ExpectLoadError(dir, Status::kFormatError, "embed_tokens.weight");
  ExpectLoadError(dir, Status::kFormatError, "[640, 128]");
  c = Config();
  c["intermediate_size"] = 100;
  ExpectLoadError(WithConfig("cfg_ffn100", c), Status::kFormatError, "mlp.gate_proj.weight");
  c = Config();
  c["vocab_size"] = 1000;
  ExpectLoadError(WithConfig("cfg_vocab1000", c), Status::kFormatError, "embed_tokens.weight");
}

TEST_F(BadCheckpointTest, MoreLayersThanTheCheckpointHas) {
  json c = Config();
  c["num_hidden_layers"] = 5;
  ExpectLoadError(WithConfig("cfg_layers5", c), Status::kFormatError, "layers.3.");
  ExpectLoadError(WithConfig("cfg_layers5b", c), Status::kFormatError, "no tensor");
}

TEST_F(BadCheckpointTest, WrongArchitectureForTheTensors) {
  // Gemma 2 has sandwich norms that a Gemma 1 checkpoint lacks.
  json c = Config();
  c["model_type"] = "gemma2";
  ExpectLoadError(WithConfig("cfg_as_gemma2", c), Status::kFormatError, "layernorm.weight");
}

TEST_F(BadCheckpointTest, UnsupportedActivation) {
  json c = Config();
  c["hidden_activation"] = "relu";
  ExpectLoadError(WithConfig("cfg_relu", c), Status::kUnsupported, "relu");
}

TEST_F(BadCheckpointTest, WeightsTruncated) {
  const std::string bytes = test::ReadFile(test::DataPath(std::string(kModel) + "/model.safetensors"));
  ASSERT_GT(bytes.size(), 8u);
  uint64_t header = 0;
  for (int i = 0; i < 8; ++i) header |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  ASSERT_LT(header + 8, bytes.size());
  const size_t data_start = static_cast<size_t>(header) + 8;
  const std::vector<size_t> cuts = {1, 4, 7, 8, 9, data_start / 2, data_start - 1, data_start, data_start + 1,
                                    data_start + 1000, bytes.size() / 2, bytes.size() - 2, bytes.size() - 1};
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut) + " of " + std::to_string(bytes.size()));
    const std::string dir = Copy("trunc" + std::to_string(cut), {"config.json", "tokenizer.model"});
    test::WriteFile(dir + "/model.safetensors", bytes.substr(0, cut));
    ExpectLoadError(dir, Status::kFormatError, "model.safetensors");
  }
}

TEST_F(BadCheckpointTest, WeightsEmpty) {
  const std::string dir = Copy("weights_empty", {"config.json", "tokenizer.model"});
  test::WriteFile(dir + "/model.safetensors", "");
  ExpectLoadError(dir, Status::kFormatError, "model.safetensors");
  ExpectLoadError(dir, Status::kFormatError, "0 bytes");
}

TEST_F(BadCheckpointTest, WeightsHeaderCorrupt) {
  std::string bytes = test::ReadFile(test::DataPath(std::string(kModel) + "/model.safetensors"));
  bytes[10] = '\x01';  // inside the JSON header
  const std::string dir = Copy("weights_badheader", {"config.json", "tokenizer.model"});
  test::WriteFile(dir + "/model.safetensors", bytes);
  ExpectLoadError(dir, Status::kFormatError, "model.safetensors");
}

TEST_F(BadCheckpointTest, TokenizerCorrupt) {
  std::mt19937 rng(1234);
  std::string garbage(4096, '\0');
  for (char& ch : garbage) ch = static_cast<char>(rng() & 0xff);
  const std::string dir = Copy("tok_garbage", {"config.json", "model.safetensors"});
  test::WriteFile(dir + "/tokenizer.model", garbage);
  ExpectLoadError(dir, Status::kFormatError, "tokenizer.model");

  // A real tokenizer cut short.
  const std::string tok = test::ReadFile(test::DataPath(std::string(kModel) + "/tokenizer.model"));
  for (size_t cut : {size_t{1}, size_t{16}, tok.size() / 2, tok.size() - 1}) {
    SCOPED_TRACE("tokenizer cut at " + std::to_string(cut));
    const std::string d = Copy("tok_trunc" + std::to_string(cut), {"config.json", "model.safetensors"});
    test::WriteFile(d + "/tokenizer.model", tok.substr(0, cut));
    ExpectLoadError(d, Status::kFormatError, "tokenizer.model");
  }
}

TEST_F(BadCheckpointTest, TokenizerEmpty) {
  const std::string dir = Copy("tok_empty", {"config.json", "model.safetensors"});
  test::WriteFile(dir + "/tokenizer.model", "");
  ExpectLoadError(dir, Status::kFormatError, "empty");
}

// Without tokenizer.model the weights still load; what needs text fails as unsupported.
TEST_F(BadCheckpointTest, NoTokenizer) {
  const std::string dir = Copy("tok_none", {"config.json", "model.safetensors"});
  auto model = Model::Load(dir);
  EXPECT_FALSE(model->has_tokenizer());
  ExpectError([&] { model->tokenizer(); }, Status::kUnsupported, "tokenizer");
  Session s(model);
  s.Evaluate({2, 10, 20});
  EXPECT_EQ(s.n_past(), 3);
  GenerateOptions o;
  o.max_tokens = 2;
  ExpectError([&] { s.Generate("Hi", o); }, Status::kUnsupported, "tokenizer");
  ExpectError([&] { s.Chat({{"user", "Hi"}}, o); }, Status::kUnsupported, "tokenizer");
  EXPECT_EQ(s.n_past(), 3);

  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(dir.c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_model_info info;
  info.struct_size = sizeof info;
  ASSERT_EQ(gemmakit_model_get_info(m, &info), GEMMAKIT_OK);
  EXPECT_EQ(info.bos_id, -1);
  EXPECT_EQ(info.end_of_turn_id, -1);
  int32_t ids[8];
  size_t n = 0;
  EXPECT_EQ(gemmakit_tokenize(m, "Hi", 2, 0, ids, 8, &n), GEMMAKIT_ERR_UNSUPPORTED);
  EXPECT_NE(std::string(gemmakit_last_error()).find("tokenizer"), std::string::npos);
  gemmakit_model_free(m);
}

// ---- requests a valid model must refuse ---------------------------------------------------------

class BadRequestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new std::shared_ptr<const Model>(Model::Load(test::DataPath(kModel))); }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static const std::shared_ptr<const Model>& model() { return *model_; }
  static SessionOptions Small(int64_t context) {
    SessionOptions o;
    o.context_length = context;
    o.n_threads = 1;
    return o;
  }
  static std::vector<int32_t> Ids(size_t n) {
    std::vector<int32_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int32_t>(10 + i);
    ids[0] = 2;
    return ids;
  }
  // What a failed call must leave alone.
  struct Snapshot {
    int64_t n_past;
    std::vector<int32_t> tokens;
    size_t rows;
    std::vector<float> logits;
  };
  static Snapshot Take(const Session& s) {
    Snapshot snap{s.n_past(), s.tokens(), s.logits_rows(), {}};
    if (snap.rows > 0) snap.logits.assign(s.logits(0), s.logits(0) + snap.rows * kVocab);
    return snap;
  }
  static void ExpectUnchanged(const Session& s, const Snapshot& before) {
    const Snapshot now = Take(s);
    EXPECT_EQ(now.n_past, before.n_past);
    EXPECT_EQ(now.tokens, before.tokens);
    EXPECT_EQ(now.rows, before.rows);
    EXPECT_EQ(now.logits, before.logits);
  }
  static std::shared_ptr<const Model>* model_;
};
std::shared_ptr<const Model>* BadRequestTest::model_ = nullptr;

TEST_F(BadRequestTest, PromptLongerThanTheContext) {
  Session s(model(), Small(8));
  EXPECT_EQ(s.context_length(), 8);
  Snapshot before = Take(s);
  ExpectError([&] { s.Evaluate(Ids(9)); }, Status::kContextFull, "context");
  ExpectUnchanged(s, before);
  ExpectError([&] { s.Evaluate(Ids(100), true); }, Status::kContextFull, "8");
  ExpectUnchanged(s, before);

  // With tokens held: the ones that would overflow are refused, the held ones and logits kept.
  s.Evaluate(Ids(5), true);
  before = Take(s);
  ASSERT_EQ(before.rows, 5u);
  ExpectError([&] { s.Evaluate({30, 31, 32, 33}); }, Status::kContextFull, "context");
  ExpectUnchanged(s, before);

  GenerateOptions o;
  o.max_tokens = 4;
  o.sampling.temperature = 0;
  ExpectError([&] { s.Generate("The quick brown fox jumps over the lazy dog.", o); }, Status::kContextFull,
              "context");
  ExpectUnchanged(s, before);
  ExpectError([&] { s.Chat({{"user", "The quick brown fox jumps over the lazy dog."}}, o); }, Status::kContextFull,
              "context");
  ExpectUnchanged(s, before);

  // Exactly full is fine; one more is not.
  s.Evaluate({40, 41, 42});
  EXPECT_EQ(s.n_past(), 8);
  before = Take(s);
  ExpectError([&] { s.Evaluate({43}); }, Status::kContextFull, "context");
  ExpectUnchanged(s, before);
}

TEST_F(BadRequestTest, PromptLongerThanTheContextThroughTheCApi) {
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kModel).c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_session_params sp;
  ASSERT_EQ(gemmakit_session_params_init(&sp, sizeof sp), GEMMAKIT_OK);
  sp.context_length = 8;
  gemmakit_session* s = nullptr;
  ASSERT_EQ(gemmakit_session_create(m, &sp, &s), GEMMAKIT_OK);
  const std::vector<int32_t> ids = Ids(9);
  EXPECT_EQ(gemmakit_session_eval(s, ids.data(), ids.size(), GEMMAKIT_LOGITS_LAST), GEMMAKIT_ERR_CONTEXT_FULL);
  EXPECT_NE(std::string(gemmakit_last_error()).find("context"), std::string::npos);
  int64_t n_past = -1;
  EXPECT_EQ(gemmakit_session_n_past(s, &n_past), GEMMAKIT_OK);
  EXPECT_EQ(n_past, 0);
  gemmakit_generation g;
  g.struct_size = sizeof g;
  EXPECT_EQ(gemmakit_session_generate(s, "The quick brown fox jumps over the lazy dog.", nullptr, &g),
            GEMMAKIT_ERR_CONTEXT_FULL);
  EXPECT_EQ(gemmakit_session_n_past(s, &n_past), GEMMAKIT_OK);
  EXPECT_EQ(n_past, 0);
  gemmakit_session_free(s);
  gemmakit_model_free(m);
}

TEST_F(BadRequestTest, TokenIdsOutOfRange) {
  Session s(model(), Small(64));
  s.Evaluate({2, 10, 11}, true);
  const Snapshot before = Take(s);
  for (int32_t bad : {-1, kVocab, kVocab + 1, std::numeric_limits<int32_t>::min(),
                      std::numeric_limits<int32_t>::max()}) {
    SCOPED_TRACE(bad);
    ExpectError([&] { s.Evaluate({12, bad, 13}); }, Status::kInvalidArgument, std::to_string(bad));
    ExpectUnchanged(s, before);
  }
  ExpectError([&] { s.Evaluate({}); }, Status::kInvalidArgument, "no tokens");
  ExpectUnchanged(s, before);

  const Tokenizer& tok = model()->tokenizer();
  for (int32_t bad : {-1, tok.vocab_size(), std::numeric_limits<int32_t>::min()}) {
    SCOPED_TRACE(bad);
    const std::vector<int32_t> ids = {10, bad};
    ExpectError([&] { tok.Decode(ids); }, Status::kInvalidArgument, std::to_string(bad));
  }
  EXPECT_EQ(tok.IdToPiece(-1), "");
  EXPECT_EQ(tok.IdToPiece(tok.vocab_size()), "");
  EXPECT_EQ(tok.PieceToId("<no such piece>"), -1);
  // The stream decoder decodes through the same checks.
  StreamDecoder dec(tok);
  ExpectError([&] { dec.Push(-5); }, Status::kInvalidArgument, "-5");
}

TEST_F(BadRequestTest, SessionOptionsOutOfRange) {
  SessionOptions o;
  o.n_threads = -1;
  ExpectError([&] { Session s(model(), o); }, Status::kInvalidArgument, "n_threads");
  o = SessionOptions{};
  o.n_threads = 100000;
  ExpectError([&] { Session s(model(), o); }, Status::kInvalidArgument, "n_threads");
  o = SessionOptions{};
  o.batch_size = 0;
  ExpectError([&] { Session s(model(), o); }, Status::kInvalidArgument, "batch_size");
  o.batch_size = -3;
  ExpectError([&] { Session s(model(), o); }, Status::kInvalidArgument, "batch_size");
  o = SessionOptions{};
  o.context_length = -5;
  ExpectError([&] { Session s(model(), o); }, Status::kInvalidArgument, "context_length");
  ExpectError([&] { Session s(nullptr); }, Status::kInvalidArgument, "model");

  // Through the C API.
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kModel).c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_session_params sp;
  gemmakit_session* s = nullptr;
  const auto create = [&](auto&& set) {
    EXPECT_EQ(gemmakit_session_params_init(&sp, sizeof sp), GEMMAKIT_OK);
    set(sp);
    s = reinterpret_cast<gemmakit_session*>(&s);
    const gemmakit_status st = gemmakit_session_create(m, &sp, &s);
    EXPECT_EQ(s, nullptr);
    return st;
  };
  EXPECT_EQ(create([](gemmakit_session_params& p) { p.n_threads = -1; }), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(create([](gemmakit_session_params& p) { p.batch_size = 0; }), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(create([](gemmakit_session_params& p) { p.context_length = -5; }), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("context_length"), std::string::npos);
  gemmakit_model_free(m);
}

TEST_F(BadRequestTest, SamplingParamsOutOfRange) {
  struct Case {
    const char* what;
    std::function<void(SamplingParams&)> set;
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<Case> cases = {
      {"temperature", [](SamplingParams& p) { p.temperature = -1; }},
      {"temperature", [=](SamplingParams& p) { p.temperature = nan; }},
      {"temperature", [=](SamplingParams& p) { p.temperature = inf; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 0; }},
      {"top_p", [](SamplingParams& p) { p.top_p = 1.5f; }},
      {"top_p", [=](SamplingParams& p) { p.top_p = nan; }},
      {"min_p", [](SamplingParams& p) { p.min_p = 2; }},
      {"min_p", [](SamplingParams& p) { p.min_p = -0.1f; }},
      {"repeat_penalty", [](SamplingParams& p) { p.repeat_penalty = 0; }},
      {"repeat_penalty", [](SamplingParams& p) { p.repeat_penalty = -1; }},
      {"repeat_penalty", [=](SamplingParams& p) { p.repeat_penalty = nan; }},
      {"top_k", [](SamplingParams& p) { p.top_k = -1; }},
      {"repeat_last_n", [](SamplingParams& p) { p.repeat_last_n = -1; }},
  };
  Session s(model(), Small(64));
  s.Evaluate({2, 10, 11});
  const Snapshot before = Take(s);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    SamplingParams p;
    c.set(p);
    ExpectError([&] { ValidateSamplingParams(p); }, Status::kInvalidArgument, c.what);
    ExpectError([&] { s.Sample(p); }, Status::kInvalidArgument, c.what);
    GenerateOptions o;
    o.max_tokens = 2;
    o.sampling = p;
    // Refused before the prompt is evaluated.
    ExpectError([&] { s.Generate(" more", o); }, Status::kInvalidArgument, c.what);
    ExpectUnchanged(s, before);
  }
  GenerateOptions o;
  o.max_tokens = -1;
  ExpectError([&] { s.Generate(" more", o); }, Status::kInvalidArgument, "max_tokens");
  ExpectUnchanged(s, before);

  // The C API maps the same checks.
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kModel).c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_session* cs = nullptr;
  ASSERT_EQ(gemmakit_session_create(m, nullptr, &cs), GEMMAKIT_OK);
  const int32_t ids[2] = {2, 10};
  ASSERT_EQ(gemmakit_session_eval(cs, ids, 2, GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  gemmakit_sampling_params sp;
  int32_t token = 0;
  ASSERT_EQ(gemmakit_sampling_params_init(&sp, sizeof sp), GEMMAKIT_OK);
  sp.min_p = 2;
  EXPECT_EQ(gemmakit_session_sample(cs, &sp, 0, &token), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("min_p"), std::string::npos);
  gemmakit_session_free(cs);
  gemmakit_model_free(m);
}

TEST_F(BadRequestTest, BadConversations) {
  Session s(model(), Small(256));
  GenerateOptions o;
  o.max_tokens = 2;
  o.sampling.temperature = 0;
  s.Chat({{"user", "Hi"}}, o);
  const Snapshot before = Take(s);
  ASSERT_GT(before.n_past, 0);

  const std::vector<std::pair<std::vector<ChatMessage>, std::string>> cases = {
      {{{"narrator", "Once"}}, "narrator"},
      {{{"user", "Hi"}, {"bot", "Hello"}}, "bot"},
      {{{"user", "Hi"}, {"system", "Be brief."}}, "system"},
      {{{"user", "Hi"}, {"model", "Hello"}, {"system", "Be brief."}, {"user", "Bye"}}, "system"},
      {{{"user", "Hi"}, {"user", "Hi again"}}, "alternate"},
      {{{"system", "Be brief."}, {"user", "Hi"}, {"user", "Hi again"}}, "alternate"},
      {{{"model", "Hello"}}, "alternate"},
      {{{"system", "Be brief."}, {"assistant", "Hello"}}, "alternate"},
      {{{"", "Hi"}}, "role"},
      {{{"User", "Hi"}}, "User"},
  };
  for (const auto& c : cases) {  // (structured bindings cannot be captured by a lambda in C++17)
    const std::vector<ChatMessage>& conversation = c.first;
    const std::string& needle = c.second;
    SCOPED_TRACE(needle);
    ExpectError([&] { FormatGemmaChat(conversation, true); }, Status::kInvalidArgument, needle);
    ExpectError([&] { s.Chat(conversation, o); }, Status::kInvalidArgument, needle);
    ExpectUnchanged(s, before);
  }
  ExpectError([&] { s.Chat({}, o); }, Status::kInvalidArgument, "empty");
  ExpectUnchanged(s, before);

  // Through the C API: same status, and the message on this thread.
  gemmakit_model* m = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kModel).c_str(), nullptr, &m), GEMMAKIT_OK);
  gemmakit_session* cs = nullptr;
  ASSERT_EQ(gemmakit_session_create(m, nullptr, &cs), GEMMAKIT_OK);
  const gemmakit_chat_message two_users[2] = {{"user", "Hi"}, {"user", "Hi again"}};
  EXPECT_EQ(gemmakit_session_chat(cs, two_users, 2, nullptr, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("alternate"), std::string::npos);
  EXPECT_EQ(gemmakit_session_chat(cs, two_users, 0, nullptr, nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("empty"), std::string::npos);
  int64_t n_past = -1;
  EXPECT_EQ(gemmakit_session_n_past(cs, &n_past), GEMMAKIT_OK);
  EXPECT_EQ(n_past, 0);
  gemmakit_session_free(cs);
  gemmakit_model_free(m);
}

}  // namespace
}  // namespace gemmakit
