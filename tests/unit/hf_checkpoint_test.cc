#include "io/hf_checkpoint.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/mapped_file.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr char kShard1[] = "model-00001-of-00002.safetensors";
constexpr char kShard2[] = "model-00002-of-00002.safetensors";
constexpr char kIndex[] = "model.safetensors.index.json";

// Runs `f`, which must throw Error with `want` and a message containing `needle`.
void ExpectError(const std::function<void()>& f, Status want, const std::string& needle) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), want) << StatusName(e.status()) << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message lacks \"" << needle << "\": " << e.what();
    return;
  }
  ADD_FAILURE() << "no Error thrown; expected one mentioning \"" << needle << "\"";
}

// A scratch copy of some files of a bundled checkpoint, for tests that then break it.
std::string CopyCheckpoint(const std::string& model, const std::string& tag,
                           const std::vector<std::string>& files) {
  const std::string dir = test::MakeTempDir(tag);
  for (const std::string& f : files) {
    test::WriteFile(dir + "/" + f, test::ReadFile(test::DataPath(model + "/" + f)));
  }
  return dir;
}

std::string CopyGemma3Shards(const std::string& tag) {
  return CopyCheckpoint("gemma3-tiny", tag, {"config.json", kShard1, kShard2, kIndex});
}

json ReadIndex(const std::string& dir) { return json::parse(test::ReadFile(dir + "/" + kIndex)); }

void WriteIndex(const std::string& dir, const json& index) {
  test::WriteFile(dir + "/" + kIndex, index.dump(2));
}

TEST(HfCheckpointTest, SingleFile) {
  const std::string dir = test::DataPath("gemma1-tiny");
  const HfCheckpoint ckpt = OpenHfCheckpoint(dir);
  EXPECT_EQ(ckpt.dir, dir);
  EXPECT_EQ(ckpt.config_json, test::ReadFile(dir + "/config.json"));
  EXPECT_EQ(ckpt.tokenizer_model_path, dir + "/tokenizer.model");
  const TensorEntry* embed = ckpt.tensors.Find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::kBF16);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{640, 64}));
  EXPECT_NE(ckpt.tensors.Find("model.layers.2.self_attn.q_proj.weight"), nullptr);
}

TEST(HfCheckpointTest, ShardedLoadsEveryTensorOfTheIndex) {
  const std::string dir = test::DataPath("gemma3-tiny");
  const HfCheckpoint ckpt = OpenHfCheckpoint(dir);
  const json weight_map = ReadIndex(dir)["weight_map"];
  EXPECT_EQ(ckpt.tensors.size(), weight_map.size());
  for (const auto& [name, shard] : weight_map.items()) {
    SCOPED_TRACE(name);
    const TensorEntry* t = ckpt.tensors.Find(name);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dtype, DType::kBF16);
    EXPECT_EQ(DTypeBytes(t->dtype, static_cast<size_t>(t->numel())), t->nbytes);
  }
  EXPECT_NE(ckpt.config_json.find("gemma3"), std::string::npos);
  EXPECT_EQ(ckpt.tokenizer_model_path, dir + "/tokenizer.model");
}

// The tensors' bytes must outlive the checkpoint struct's copies and moves.
TEST(HfCheckpointTest, TensorsStayValidAfterMove) {
  HfCheckpoint moved;
  {
    HfCheckpoint ckpt = OpenHfCheckpoint(test::DataPath("gemma2-tiny"));
    moved = std::move(ckpt);
  }
  const TensorEntry* norm = moved.tensors.Find("model.norm.weight");
  ASSERT_NE(norm, nullptr);
  EXPECT_EQ(norm->dtype, DType::kF16);
  std::vector<float> values(static_cast<size_t>(norm->numel()));
  ConvertToF32(norm->dtype, norm->data, values.data(), values.size());
}

TEST(HfCheckpointTest, NoTokenizerGivesEmptyPath) {
  const std::string dir =
      CopyCheckpoint("gemma1-tiny", "hf_notok", {"config.json", "model.safetensors"});
  EXPECT_EQ(OpenHfCheckpoint(dir).tokenizer_model_path, "");
}

TEST(HfCheckpointTest, MissingFolder) {
  const std::string dir = test::MakeTempDir("hf_missing") + "/nothing_here";
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kIoError, dir + " does not exist");
}

TEST(HfCheckpointTest, PathIsAFile) {
  const std::string file = test::DataPath("gemma1-tiny/config.json");
  ExpectError([&] { OpenHfCheckpoint(file); }, Status::kIoError, file + " is a file");
}

TEST(HfCheckpointTest, NoConfig) {
  const std::string dir = CopyCheckpoint("gemma1-tiny", "hf_noconfig", {"model.safetensors"});
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kIoError, "no config.json in " + dir);
}

TEST(HfCheckpointTest, NoWeights) {
  const std::string dir = CopyCheckpoint("gemma1-tiny", "hf_noweights", {"config.json"});
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kIoError,
              "no model.safetensors or model.safetensors.index.json in " + dir);
}

TEST(HfCheckpointTest, IndexNamesMissingShard) {
  const std::string dir =
      CopyCheckpoint("gemma3-tiny", "hf_noshard", {"config.json", kShard1, kIndex});
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kIoError, kShard2);
}

TEST(HfCheckpointTest, IndexNamesTensorMissingFromShard) {
  const std::string dir = CopyGemma3Shards("hf_notensor");
  json index = ReadIndex(dir);
  index["weight_map"]["model.layers.9.mlp.up_proj.weight"] = kShard2;
  WriteIndex(dir, index);
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError,
              "'model.layers.9.mlp.up_proj.weight' in " + std::string(kShard2));
}

// A tensor present in the other shard is still a lie about where it lives.
TEST(HfCheckpointTest, IndexPutsTensorInWrongShard) {
  const std::string dir = CopyGemma3Shards("hf_wrongshard");
  json index = ReadIndex(dir);
  std::string name;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    if (shard == kShard1) name = tensor;
  }
  ASSERT_FALSE(name.empty());
  index["weight_map"][name] = kShard2;
  WriteIndex(dir, index);
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError, "'" + name + "'");
}

TEST(HfCheckpointTest, IndexShardOutsideFolder) {
  const std::string dir = CopyGemma3Shards("hf_escape");
  json index = ReadIndex(dir);
  index["weight_map"]["model.norm.weight"] = "../" + std::string(kShard1);
  WriteIndex(dir, index);
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError, "../" + std::string(kShard1));
}

TEST(HfCheckpointTest, IndexShardAbsolutePath) {
  const std::string dir = CopyGemma3Shards("hf_absolute");
  json index = ReadIndex(dir);
  index["weight_map"]["model.norm.weight"] = dir + "/" + kShard1;
  WriteIndex(dir, index);
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError, "not a file name");
}

TEST(HfCheckpointTest, IndexNotJson) {
  const std::string dir = CopyGemma3Shards("hf_badindex");
  test::WriteFile(dir + "/" + kIndex, "{\"weight_map\": ");
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError, "not valid JSON");
}

TEST(HfCheckpointTest, IndexWithoutWeightMap) {
  const std::string dir = CopyGemma3Shards("hf_nomap");
  WriteIndex(dir, json{{"metadata", json::object()}});
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError, "weight_map");
}

TEST(HfCheckpointTest, IndexShardNotString) {
  const std::string dir = CopyGemma3Shards("hf_shardtype");
  json index = ReadIndex(dir);
  index["weight_map"]["model.norm.weight"] = 1;
  WriteIndex(dir, index);
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError, "model.norm.weight");
}

TEST(HfCheckpointTest, CorruptShardIsFormatError) {
  const std::string dir = CopyGemma3Shards("hf_corrupt");
  const std::string shard = test::ReadFile(dir + "/" + kShard2);
  test::WriteFile(dir + "/" + kShard2, shard.substr(0, shard.size() / 2));
  ExpectError([&] { OpenHfCheckpoint(dir); }, Status::kFormatError, kShard2);
}

}  // namespace
}  // namespace gemmakit
