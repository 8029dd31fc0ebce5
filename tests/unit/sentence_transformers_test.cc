// The sentence-transformers modules beyond what EmbeddingGemma publishes (a Dense with a bias and
// Tanh), and the files gemmakit refuses, each with a status and a message naming the problem.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gemmakit/embedding.h"
#include "gemmakit/model.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/safetensors_writer.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;
using test::ExpectLoadError;

class SentenceTransformers : public ::testing::Test {
 protected:
  // A copy of the tiny EmbeddingGemma folder.
  std::string Copy(const std::string& tag) {
    const std::string dir = dirs_.Make("st_" + tag);
    std::filesystem::copy(test::DataPath("embeddinggemma-tiny"), dir,
                          std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
    return dir;
  }
  static json ReadJson(const std::string& path) { return json::parse(test::ReadFile(path)); }
  static void WriteJson(const std::string& path, const json& j) {
    std::filesystem::remove(path);  // the copy keeps the source's read-only modes
    test::WriteFile(path, j.dump(2));
  }

  test::ScratchDirs dirs_;
};

// 2_Dense with a bias and sentence-transformers' default activation (Tanh): the embedding is
// normalize(W3 · tanh(W2 · pooled + b)), computed here in double from the files.
TEST_F(SentenceTransformers, DenseWithBiasAndTanh) {
  const std::string dir = Copy("tanh");
  json cfg = ReadJson(dir + "/2_Dense/config.json");
  cfg["bias"] = true;
  cfg.erase("activation_function");  // the default: Tanh
  WriteJson(dir + "/2_Dense/config.json", cfg);
  TensorIndex w2, w3;
  ReadSafetensors(MappedFile::Open(test::DataPath("embeddinggemma-tiny/2_Dense/model.safetensors")), &w2);
  ReadSafetensors(MappedFile::Open(test::DataPath("embeddinggemma-tiny/3_Dense/model.safetensors")), &w3);
  const TensorEntry* weight = w2.Find("linear.weight");
  ASSERT_TRUE(weight && weight->dtype == DType::kF32);
  const size_t out = static_cast<size_t>(weight->shape[0]), in = static_cast<size_t>(weight->shape[1]);
  std::vector<float> bias(out);
  for (size_t i = 0; i < out; ++i) bias[i] = 0.05f * std::sin(static_cast<float>(i));
  std::filesystem::remove(dir + "/2_Dense/model.safetensors");
  WriteSafetensors(dir + "/2_Dense/model.safetensors",
                   {{"linear.weight", DType::kF32, weight->shape, [&](uint8_t* o, size_t n) { std::memcpy(o, weight->data, n); }},
                    {"linear.bias", DType::kF32, {static_cast<int64_t>(out)}, [&](uint8_t* o, size_t n) { std::memcpy(o, bias.data(), n); }}});

  auto model = Model::Load(dir);
  std::vector<EmbeddingTrace> traces;
  const std::vector<float> got = Embed(*model, {"Hello"}, {}, &traces);
  const float* a = static_cast<const float*>(weight->data);
  const float* b = static_cast<const float*>(w3.Find("linear.weight")->data);
  std::vector<double> hidden(out), want(in);
  for (size_t i = 0; i < out; ++i) {
    double s = bias[i];
    for (size_t j = 0; j < in; ++j) s += static_cast<double>(a[i * in + j]) * traces[0].pooled[j];
    hidden[i] = std::tanh(s);
  }
  double norm = 0;
  for (size_t i = 0; i < in; ++i) {
    for (size_t j = 0; j < out; ++j) want[i] += static_cast<double>(b[i * out + j]) * hidden[j];
    norm += want[i] * want[i];
  }
  ASSERT_EQ(got.size(), in);
  for (size_t i = 0; i < in; ++i) EXPECT_NEAR(got[i], want[i] / std::sqrt(norm), 1e-5) << i;
}

TEST_F(SentenceTransformers, RefusedFilesNameTheProblem) {
  std::string dir = Copy("sqrt_len");
  json pooling = ReadJson(dir + "/1_Pooling/config.json");
  pooling["pooling_mode_mean_tokens"] = false;
  pooling["pooling_mode_mean_sqrt_len_tokens"] = true;
  WriteJson(dir + "/1_Pooling/config.json", pooling);
  ExpectLoadError(dir, Status::kUnsupported, "pooling_mode_mean_sqrt_len_tokens");

  dir = Copy("no_prompt");
  pooling = ReadJson(dir + "/1_Pooling/config.json");
  pooling["include_prompt"] = false;
  WriteJson(dir + "/1_Pooling/config.json", pooling);
  ExpectLoadError(dir, Status::kUnsupported, "include_prompt");

  dir = Copy("in_features");
  json dense = ReadJson(dir + "/3_Dense/config.json");
  dense["in_features"] = 128;  // 2_Dense gives 256
  WriteJson(dir + "/3_Dense/config.json", dense);
  ExpectLoadError(dir, Status::kFormatError, "in_features 128");

  dir = Copy("relu");
  dense = ReadJson(dir + "/2_Dense/config.json");
  dense["activation_function"] = "torch.nn.modules.activation.ReLU";
  WriteJson(dir + "/2_Dense/config.json", dense);
  ExpectLoadError(dir, Status::kUnsupported, "ReLU");

  dir = Copy("no_weights");
  std::filesystem::remove(dir + "/3_Dense/model.safetensors");
  ExpectLoadError(dir, Status::kIoError, "3_Dense");

  dir = Copy("module");
  json modules = ReadJson(dir + "/modules.json");
  modules[3]["type"] = "sentence_transformers.models.LayerNorm";
  WriteJson(dir + "/modules.json", modules);
  ExpectLoadError(dir, Status::kUnsupported, "LayerNorm");

  dir = Copy("escape");
  modules = ReadJson(dir + "/modules.json");
  modules[2]["path"] = "../2_Dense";
  WriteJson(dir + "/modules.json", modules);
  ExpectLoadError(dir, Status::kFormatError, "leaves the model's folder");

  dir = Copy("default_prompt");
  json st = ReadJson(dir + "/config_sentence_transformers.json");
  st["default_prompt_name"] = "missing";
  WriteJson(dir + "/config_sentence_transformers.json", st);
  ExpectLoadError(dir, Status::kFormatError, "default_prompt_name");
}

// default_prompt_name is used when the caller names no prompt.
TEST_F(SentenceTransformers, DefaultPromptApplies) {
  const std::string dir = Copy("default");
  json st = ReadJson(dir + "/config_sentence_transformers.json");
  st["default_prompt_name"] = "query";
  WriteJson(dir + "/config_sentence_transformers.json", st);
  auto with_default = Model::Load(dir);
  auto plain = Model::Load(test::DataPath("embeddinggemma-tiny"));
  EmbedOptions query;
  query.prompt_name = "query";
  EXPECT_EQ(Embed(*with_default, {"Hello"}), Embed(*plain, {"Hello"}, query));
}

}  // namespace
}  // namespace gemmakit
