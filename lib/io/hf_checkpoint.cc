#include "io/hf_checkpoint.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/hf_chat_template.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr char kConfigName[] = "config.json";
constexpr char kSingleFileName[] = "model.safetensors";
constexpr char kIndexName[] = "model.safetensors.index.json";
constexpr char kTokenizerName[] = "tokenizer.model";
constexpr char kTokenizerJsonName[] = "tokenizer.json";

// Shard names come from a downloaded file; one that could reach outside the folder is refused.
bool IsPlainFileName(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos &&
         name.find("..") == std::string::npos && name.find('\0') == std::string::npos;
}

void RequireFolder(const std::string& dir) {
  if (IsDirectory(dir)) return;
  Fail(Status::kIoError, "checkpoint folder " + dir +
                             (FileExists(dir) ? " is a file, not a folder" : " does not exist"));
}

// Shard file name -> the tensors the index says it holds.
using ShardMap = std::map<std::string, std::vector<std::string>>;

ShardMap ParseWeightMap(const std::string& index_path, const std::string& text) {
  const json doc = json::parse(text, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) Fail(Status::kFormatError, index_path + " is not valid JSON");
  if (!doc.is_object()) Fail(Status::kFormatError, index_path + " is not a JSON object");
  auto wm = doc.find("weight_map");
  if (wm == doc.end() || !wm->is_object()) {
    Fail(Status::kFormatError, index_path + " has no \"weight_map\" object");
  }
  if (wm->empty()) Fail(Status::kFormatError, index_path + ": \"weight_map\" names no tensors");
  ShardMap shards;
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    if (!it.value().is_string()) {
      Fail(Status::kFormatError,
           index_path + ": the shard of tensor '" + it.key() + "' is not a string");
    }
    const std::string& shard = it.value().get_ref<const std::string&>();
    if (!IsPlainFileName(shard)) {
      Fail(Status::kFormatError, index_path + " puts tensor '" + it.key() + "' in shard '" + shard +
                                     "', which is not a file name inside the folder");
    }
    shards[shard].push_back(it.key());
  }
  return shards;
}

ShardMap ReadWeightMap(const std::string& index_path) {
  const std::string text = ReadTextFile(index_path);
  try {
    return ParseWeightMap(index_path, text);
  } catch (const json::exception& e) {
    // Fields are type-checked before use; this only keeps a library exception from escaping.
    Fail(Status::kFormatError, index_path + ": " + e.what());
  }
}

// Each shard is read into its own index first so that the index file's claim about which shard
// holds a tensor can be checked, not just that some shard holds it.
void ReadShard(const std::string& dir, const std::string& index_path, const std::string& shard,
               const std::vector<std::string>& expected, TensorIndex* tensors) {
  const std::string path = JoinPath(dir, shard);
  if (!FileExists(path)) {
    Fail(Status::kIoError, index_path + " names shard " + shard + ", which is not in " + dir);
  }
  std::shared_ptr<const MappedFile> file = MappedFile::Open(path);
  TensorIndex part;
  ReadSafetensors(file, &part);
  for (const std::string& name : expected) {
    if (!part.Find(name)) {
      Fail(Status::kFormatError, index_path + " puts tensor '" + name + "' in " + shard +
                                     ", but that shard does not contain it");
    }
  }
  tensors->KeepAlive(file);
  for (const auto& [name, entry] : part.all()) tensors->Add(entry);
}

void ReadShardedWeights(const std::string& dir, TensorIndex* tensors) {
  const std::string index_path = JoinPath(dir, kIndexName);
  for (const auto& [shard, names] : ReadWeightMap(index_path)) {
    ReadShard(dir, index_path, shard, names, tensors);
  }
}

}  // namespace

HfCheckpoint OpenHfCheckpoint(const std::string& dir) {
  RequireFolder(dir);
  HfCheckpoint ckpt;
  ckpt.dir = dir;

  const std::string config_path = JoinPath(dir, kConfigName);
  if (!FileExists(config_path)) Fail(Status::kIoError, "no config.json in " + dir);
  ckpt.config_json = ReadTextFile(config_path);

  // A sharded checkpoint may also carry a stale single file; the index is what the publisher meant.
  if (FileExists(JoinPath(dir, kIndexName))) {
    ReadShardedWeights(dir, &ckpt.tensors);
  } else if (FileExists(JoinPath(dir, kSingleFileName))) {
    ReadSafetensors(MappedFile::Open(JoinPath(dir, kSingleFileName)), &ckpt.tensors);
  } else {
    Fail(Status::kIoError, "no model.safetensors or model.safetensors.index.json in " + dir);
  }

  const std::string tokenizer_path = JoinPath(dir, kTokenizerName);
  if (FileExists(tokenizer_path)) ckpt.tokenizer_model_path = tokenizer_path;
  const std::string tokenizer_json_path = JoinPath(dir, kTokenizerJsonName);
  if (FileExists(tokenizer_json_path)) ckpt.tokenizer_json_path = tokenizer_json_path;
  HfChatTemplate chat = ReadHfChatTemplate(dir);
  ckpt.chat_template = std::move(chat.text);
  ckpt.chat_template_source = std::move(chat.source);
  return ckpt;
}

}  // namespace gemmakit
