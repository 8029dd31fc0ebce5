// GGUF out: a model written by gemmakit loads back with the same logits, and our Q8_0 / Q4_0
// quantizers produce the same bytes as llama.cpp's quantizer did for the golden GGUF files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "gemmakit/session.h"
#include "io/gguf.h"
#include "io/mapped_file.h"
#include "runtime/gguf_export.h"
#include "runtime/model_impl.h"
#include "test_util.h"

namespace gemmakit {
namespace {

std::vector<float> AllLogits(const std::shared_ptr<const Model>& m, const std::vector<int32_t>& ids) {
  Session s(m);
  s.Evaluate(ids, true);
  return std::vector<float>(s.logits(0), s.logits(0) + ids.size() * static_cast<size_t>(m->info().vocab_size));
}

class GgufRoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufRoundTrip, WrittenFileLoadsWithTheSameLogits) {
  const std::string model_name = GetParam();
  const std::string dir = test::DataPath(model_name);
  const nlohmann::json g = nlohmann::json::parse(test::ReadFile(dir + "/golden.json"));
  const auto ids = g["cases"][0]["ids"].get<std::vector<int32_t>>();
  const std::string tmp = test::MakeTempDir("gguf_export");
  for (const char* type : {"f32", "q8_0", "q4_0"}) {
    LoadOptions lo;
    lo.weight_type = type;
    auto original = Model::Load(dir, lo);
    const std::string path = tmp + "/" + model_name + "-" + type + ".gguf";
    SaveGguf(*original, path);
    auto reloaded = Model::Load(path);
    EXPECT_EQ(reloaded->info().architecture, original->info().architecture);
    EXPECT_EQ(reloaded->info().n_params, original->info().n_params);
    // Same weights, norms and hyper-parameters: the logits agree to float rounding.
    const auto a = AllLogits(original, ids), b = AllLogits(reloaded, ids);
    ASSERT_EQ(a.size(), b.size());
    double worst = 0;
    for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
    EXPECT_LT(worst, 1e-4) << type;
    // The embedded vocabulary tokenizes like the original.
    const std::string text = g["cases"][0]["text"];
    EXPECT_EQ(reloaded->tokenizer().Encode(text), original->tokenizer().Encode(text)) << type;
  }
  std::remove((tmp + "/" + model_name + "-f32.gguf").c_str());
  std::remove((tmp + "/" + model_name + "-q8_0.gguf").c_str());
  std::remove((tmp + "/" + model_name + "-q4_0.gguf").c_str());
  std::remove(tmp.c_str());
}

INSTANTIATE_TEST_SUITE_P(Models, GgufRoundTrip,
                         ::testing::Values("gemma1-tiny", "gemma2-mini", "gemma3-tiny", "gemma3-mini-scaled"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

// llama.cpp's quantizer made gemma1-tiny-q8_0.gguf from the same weights (bf16 → f32): quantize-on-
// load must give identical blocks for every matrix.
// GGUF in, GGUF out: a model read from llama.cpp's own file (norms stored as 1 + w, its names and
// keys) is written back and requantized: `gemmakit quantize --in FILE.gguf`.
class GgufFromGguf : public ::testing::TestWithParam<std::string> {};

TEST_P(GgufFromGguf, ExportAndRequantizeAGgufLoadedModel) {
  const std::string model_name = GetParam();
  const std::string dir = test::DataPath("gguf/" + model_name);
  const nlohmann::json g = nlohmann::json::parse(test::ReadFile(dir + "/golden.json"));
  const auto ids = g["files"][0]["cases"][0]["ids"].get<std::vector<int32_t>>();
  const std::string text = "The quick brown fox";
  const std::string tmp = test::MakeTempDir("gguf_from_gguf");
  auto original = Model::Load(dir + "/" + model_name + "-f32.gguf");
  const std::string f32_path = tmp + "/f32.gguf";
  SaveGguf(*original, f32_path);
  auto reloaded = Model::Load(f32_path);
  EXPECT_EQ(AllLogits(reloaded, ids), AllLogits(original, ids));  // same bytes, same math
  EXPECT_EQ(reloaded->tokenizer().Encode(text), original->tokenizer().Encode(text));

  LoadOptions lo;
  lo.weight_type = "q8_0";
  auto quantized = Model::Load(dir + "/" + model_name + "-f32.gguf", lo);
  const std::string q8_path = tmp + "/q8_0.gguf";
  SaveGguf(*quantized, q8_path);
  auto q8 = Model::Load(q8_path);
  EXPECT_EQ(q8->info().weight_type, "Q8_0");
  EXPECT_EQ(AllLogits(q8, ids), AllLogits(quantized, ids));
  // Requantized from llama.cpp's f32 file, the Q8_0 blocks are llama.cpp's Q8_0 file's.
  const GgufFile ours = ReadGguf(MappedFile::Open(q8_path));
  const GgufFile theirs = ReadGguf(MappedFile::Open(dir + "/" + model_name + "-q8_0.gguf"));
  size_t compared = 0;
  for (const GgufTensorInfo& t : theirs.tensors) {
    if (t.type != GgmlType::kQ8_0) continue;
    const GgufTensorInfo* o = nullptr;
    for (const GgufTensorInfo& c : ours.tensors) o = c.name == t.name ? &c : o;
    ASSERT_NE(o, nullptr) << t.name;
    ASSERT_EQ(o->nbytes, t.nbytes) << t.name;
    EXPECT_EQ(std::memcmp(o->data, t.data, t.nbytes), 0) << t.name;
    ++compared;
  }
  EXPECT_GT(compared, 0u);
  for (const char* f : {"/f32.gguf", "/q8_0.gguf"}) std::remove((tmp + f).c_str());
  std::remove(tmp.c_str());
}

INSTANTIATE_TEST_SUITE_P(Models, GgufFromGguf, ::testing::Values("gemma1-tiny", "gemma2-tiny", "gemma3-tiny"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) c = c == '-' ? '_' : c;
                           return n;
                         });

TEST(GgufExport, Q8_0BlocksEqualLlamaCppsQuantizer) {
  LoadOptions lo;
  lo.weight_type = "q8_0";
  auto ours = Model::Load(test::DataPath("gemma1-tiny"), lo);
  const GgufFile theirs = ReadGguf(MappedFile::Open(test::DataPath("gguf/gemma1-tiny/gemma1-tiny-q8_0.gguf")));
  const ModelWeights& w = ours->impl().weights;
  size_t compared = 0;
  for (const GgufTensorInfo& t : theirs.tensors) {
    const MatrixView* m = nullptr;
    if (t.name == "blk.0.attn_q.weight") m = &w.layers[0].q_proj;
    if (t.name == "blk.1.ffn_down.weight") m = &w.layers[1].down_proj;
    if (t.name == "blk.2.ffn_gate.weight") m = &w.layers[2].gate_proj;
    if (t.name == "token_embd.weight") m = &w.embed;
    if (!m) continue;
    ASSERT_EQ(t.type, GgmlType::kQ8_0) << t.name;
    ASSERT_EQ(t.nbytes, DTypeBytes(m->dtype, m->rows * m->cols)) << t.name;
    // Through RowBytes: the matrix may have been repacked at load (model/repack.h).
    std::vector<uint8_t> ours_bytes(t.nbytes);
    const size_t row_bytes = DTypeBytes(m->dtype, m->cols);
    for (size_t r = 0; r < m->rows; ++r) m->RowBytes(r, ours_bytes.data() + r * row_bytes);
    EXPECT_EQ(std::memcmp(t.data, ours_bytes.data(), t.nbytes), 0) << t.name;
    ++compared;
  }
  EXPECT_EQ(compared, 4u);
}

}  // namespace
}  // namespace gemmakit
