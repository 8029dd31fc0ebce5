// EmbeddingGemma as llama.cpp's converter writes it (architecture gemma-embedding;
// tests/data/gguf/embeddinggemma-tiny, made by its make.sh from the sentence-transformers folder):
// with the Dense modules in float32 the file gives the golden's three stages; quantized to Q8_0, with
// and without the Dense modules, it gives what llama.cpp's llama-embedding gives on the same file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "embedding_golden.h"
#include "gemmakit/embedding.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "runtime/gguf_export.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr char kGgufDir[] = "gguf/embeddinggemma-tiny/";

float MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = a.size() == b.size() ? 0.f : INFINITY;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) ab += double{a[i]} * b[i], aa += double{a[i]} * a[i], bb += double{b[i]} * b[i];
  return ab / std::sqrt(aa * bb);
}

std::vector<float> Normalized(std::vector<float> v) {
  double n = 0;
  for (float x : v) n += double{x} * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
  return v;
}

// The float32 file with the Dense modules is the folder's model: ids, token embeddings, pooled
// vector and embedding within the golden's tolerances (the prompts are written into the text: a GGUF
// file carries no named prompts).
TEST(EmbeddingGguf, Float32FileMatchesTheGoldenStages) {
  auto model = Model::Load(test::DataPath(std::string(kGgufDir) + "embeddinggemma-tiny-f32.gguf"));
  ASSERT_EQ(EmbeddingDim(*model), 64u);
  EXPECT_TRUE(EmbeddingPrompts(*model).empty());
  const std::vector<test::EmbeddingGoldenCase> cases = test::EmbeddingGoldenCases();
  ASSERT_EQ(cases.size(), 5u);
  for (const test::EmbeddingGoldenCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<EmbeddingTrace> traces;
    const std::vector<float> e = Embed(*model, {c.input_text}, {}, &traces);
    ASSERT_EQ(traces.size(), 1u);
    EXPECT_EQ(traces[0].ids, c.ids);
    EXPECT_LT(MaxAbsDiff(traces[0].token_embeddings, c.token_embeddings), 2e-4f);
    EXPECT_LT(MaxAbsDiff(traces[0].pooled, c.pooled), 1e-4f);
    EXPECT_LT(MaxAbsDiff(e, c.embedding), 1e-5f);
  }
  // An encoder takes no session, from a GGUF file as from a folder.
  EXPECT_EQ(test::StatusOf([&] { Session s(model); }), Status::kUnsupported);
}

// Quantized files against llama.cpp's vectors for the same files; the file without Dense modules is
// the pooled vector at unit length, as llama.cpp computes it (so it also stays near the golden's
// pooled vector).
TEST(EmbeddingGguf, QuantizedFilesMatchLlamaCpp) {
  const json ref = json::parse(test::ReadFile(test::DataPath(std::string(kGgufDir) + "llama_cpp_embeddings.json")));
  const std::vector<test::EmbeddingGoldenCase> cases = test::EmbeddingGoldenCases();
  for (const char* file :
       {"embeddinggemma-tiny-f32.gguf", "embeddinggemma-tiny-q8_0.gguf", "embeddinggemma-tiny-q8_0-no-dense.gguf"}) {
    SCOPED_TRACE(file);
    auto model = Model::Load(test::DataPath(std::string(kGgufDir) + file));
    const bool dense = std::strstr(file, "no-dense") == nullptr;
    EXPECT_EQ(EmbeddingDim(*model), 64u);
    for (const test::EmbeddingGoldenCase& c : cases) {
      SCOPED_TRACE(c.name);
      const std::vector<float> e = Embed(*model, {c.input_text});
      const std::vector<float> llama = ref.at("files").at(file).at(c.name).get<std::vector<float>>();
      ASSERT_EQ(e.size(), llama.size());
      // llama.cpp sums in its own order (its f32 file: within 2e-4 of ours) and rounds the Q8_0
      // files' activations to 8 bits once, gemmakit's exact precision to two 8-bit terms.
      EXPECT_GT(Cosine(e, llama), dense && std::strstr(file, "f32") ? 0.99999 : 0.9995);
      EXPECT_GT(Cosine(e, dense ? c.embedding : Normalized(c.pooled)), 0.999);
    }
  }
}

// A copy of the float32 file with the uint32 value of metadata key `key` replaced.
std::string WithUint32(const std::string& key, uint32_t value, const std::string& tag) {
  std::string bytes = test::ReadFile(test::DataPath(std::string(kGgufDir) + "embeddinggemma-tiny-f32.gguf"));
  const size_t at = bytes.find(key);
  EXPECT_NE(at, std::string::npos) << key;
  // After the key: its value type (4 = uint32), then the value.
  uint32_t type = 0;
  std::memcpy(&type, &bytes[at + key.size()], 4);
  EXPECT_EQ(type, 4u) << key;
  std::memcpy(&bytes[at + key.size() + 4], &value, 4);
  const std::string path = test::MakeTempDir("embedding_gguf_" + tag) + "/model.gguf";
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

TEST(EmbeddingGguf, LyingOrUnsupportedHeadsFailClearly) {
  // Pooling "none" (a vector per token) and "rank" are not one vector per text.
  for (uint32_t pooling : {0u, 4u, 99u}) {
    try {
      Model::Load(WithUint32("gemma-embedding.pooling_type", pooling, "pool" + std::to_string(pooling)));
      ADD_FAILURE() << "pooling_type " << pooling << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kUnsupported);
      EXPECT_NE(std::string(e.what()).find("pooling_type"), std::string::npos) << e.what();
    }
  }
  // CLS and last-token pooling load (llama.cpp's 2 and 3) and give other vectors than the mean.
  auto mean = Model::Load(test::DataPath(std::string(kGgufDir) + "embeddinggemma-tiny-f32.gguf"));
  auto cls = Model::Load(WithUint32("gemma-embedding.pooling_type", 2, "cls"));
  EXPECT_LT(Cosine(Embed(*mean, {"Hello there"}), Embed(*cls, {"Hello there"})), 0.999);
  // Dense widths that are not the matrices'.
  try {
    Model::Load(WithUint32("gemma-embedding.dense_2_feat_out", 128, "feat"));
    ADD_FAILURE() << "a lying dense_2_feat_out was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kFormatError);
    EXPECT_NE(std::string(e.what()).find("dense_2"), std::string::npos) << e.what();
  }
}

// gemmakit's own GGUF export of the folder is the file llama.cpp's converter writes (architecture
// gemma-embedding, pooling type, dense_2 / dense_3, framing): it loads back to the folder's vectors,
// and quantized on the way to the golden's within Q8_0's error. (llama-embedding reads these exports
// too: README, Embeddings.)
TEST(EmbeddingGguf, ExportWritesWhatLlamaCppReads) {
  test::ScratchDirs dirs;
  const std::string dir = dirs.Make("embedding_export");
  auto folder = Model::Load(test::DataPath("embeddinggemma-tiny"));
  SaveGguf(*folder, dir + "/f32.gguf");
  LoadOptions q8;
  q8.weight_type = "q8_0";
  SaveGguf(*Model::Load(test::DataPath("embeddinggemma-tiny"), q8), dir + "/q8_0.gguf");
  auto exported = Model::Load(dir + "/f32.gguf");
  auto quantized = Model::Load(dir + "/q8_0.gguf");
  for (const test::EmbeddingGoldenCase& c : test::EmbeddingGoldenCases()) {
    SCOPED_TRACE(c.name);
    EXPECT_LT(MaxAbsDiff(Embed(*exported, {c.input_text}), Embed(*folder, {c.input_text})), 1e-6f);
    EXPECT_GT(Cosine(Embed(*quantized, {c.input_text}), c.embedding), 0.999);
  }
}

TEST(EmbeddingGguf, ExportRefusesHeadsLlamaCppCannotRun) {
  test::ScratchDirs dirs;
  auto copy = [&](const std::string& tag) {
    const std::string dir = dirs.Make("embedding_export_" + tag);
    std::filesystem::copy(test::DataPath("embeddinggemma-tiny"), dir,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
    return dir;
  };
  auto edit = [](const std::string& path, const std::function<void(json&)>& change) {
    json j = json::parse(test::ReadFile(path));
    change(j);
    std::filesystem::remove(path);  // the copy keeps the source's read-only modes
    test::WriteFile(path, j.dump(2));
  };
  auto refused = [&](const std::string& dir, const std::string& words) {
    try {
      SaveGguf(*Model::Load(dir), dir + "/out.gguf");
      ADD_FAILURE() << "exported: " << words;
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), Status::kUnsupported);
      EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
  };
  std::string dir = copy("tanh");
  edit(dir + "/2_Dense/config.json", [](json& j) { j.erase("activation_function"); });  // the default: Tanh
  refused(dir, "tanh");
  dir = copy("max");
  edit(dir + "/1_Pooling/config.json", [](json& j) {
    j["pooling_mode_mean_tokens"] = false;
    j["pooling_mode_max_tokens"] = true;
  });
  refused(dir, "max pooling");
}

}  // namespace
}  // namespace gemmakit
