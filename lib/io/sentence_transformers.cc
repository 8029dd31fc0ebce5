#include "io/sentence_transformers.h"

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/json_fields.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr char kModulesName[] = "modules.json";
constexpr char kModulePrefix[] = "sentence_transformers.models.";

json ReadJson(const std::string& path) {
  const json doc = json::parse(ReadTextFile(path), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) Fail(Status::kFormatError, path + " is not a JSON object");
  return doc;
}

// An optional JSON file: empty object when absent.
json ReadJsonIfPresent(const std::string& path) { return FileExists(path) ? ReadJson(path) : json::object(); }

std::string StringField(const json& j, const char* key, const std::string& file) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) Fail(Status::kFormatError, file + ": '" + key + "' must be a string");
  return it->get<std::string>();
}

// Module folders come from a downloaded file; one that could reach outside the model's folder is refused.
std::string ModuleFolder(const std::string& dir, const std::string& path, const std::string& file) {
  if (path.find("..") != std::string::npos || (!path.empty() && path[0] == '/')) {
    Fail(Status::kFormatError, file + ": module path '" + path + "' leaves the model's folder");
  }
  return path.empty() ? dir : JoinPath(dir, path);
}

void ReadPooling(const std::string& folder, EmbeddingHParams& e) {
  const std::string path = JoinPath(folder, "config.json");
  if (!FileExists(path)) Fail(Status::kIoError, "the Pooling module has no " + path);
  const json j = ReadJson(path);
  const char* file = path.c_str();
  ReadJsonInt(j, "word_embedding_dimension", e.pooling_dim, file);
  struct Mode {
    const char* key;
    EmbeddingPooling pooling;
    bool supported;
  };
  const Mode modes[] = {{"pooling_mode_mean_tokens", EmbeddingPooling::kMean, true},
                        {"pooling_mode_cls_token", EmbeddingPooling::kCls, true},
                        {"pooling_mode_max_tokens", EmbeddingPooling::kMax, true},
                        {"pooling_mode_lasttoken", EmbeddingPooling::kLastToken, true},
                        {"pooling_mode_mean_sqrt_len_tokens", EmbeddingPooling::kMean, false},
                        {"pooling_mode_weightedmean_tokens", EmbeddingPooling::kMean, false}};
  int chosen = 0;
  for (const Mode& m : modes) {
    bool on = false;
    ReadJsonBool(j, m.key, on, file);
    if (!on) continue;
    if (!m.supported) Fail(Status::kUnsupported, path + ": " + m.key + " is not supported (mean, cls, max, lasttoken are)");
    e.pooling = m.pooling;
    ++chosen;
  }
  // sentence-transformers concatenates the vectors of several modes; no published model does.
  if (chosen != 1) Fail(Status::kUnsupported, path + ": exactly one pooling mode must be set (" + std::to_string(chosen) + " are)");
  bool include_prompt = true;
  ReadJsonBool(j, "include_prompt", include_prompt, file);
  if (!include_prompt) Fail(Status::kUnsupported, path + ": include_prompt false (pooling without the prompt's tokens) is not supported");
}

void ReadDense(const std::string& folder, const std::string& name, EmbeddingHParams& e, TensorIndex& tensors) {
  const std::string path = JoinPath(folder, "config.json");
  if (!FileExists(path)) Fail(Status::kIoError, "the Dense module has no " + path);
  const json j = ReadJson(path);
  EmbeddingStage s;
  s.kind = EmbeddingStage::kDense;
  ReadJsonInt(j, "in_features", s.in_features, path.c_str());
  ReadJsonInt(j, "out_features", s.out_features, path.c_str());
  if (s.in_features < 1 || s.out_features < 1 || s.in_features > (1 << 20) || s.out_features > (1 << 20)) {
    Fail(Status::kFormatError, path + ": in_features and out_features must be set, from 1 to 2^20");
  }
  bool bias = true;  // sentence-transformers' default
  ReadJsonBool(j, "bias", bias, path.c_str());
  // The activation is saved by its class path; Dense's default is Tanh.
  const std::string act = j.contains("activation_function") ? StringField(j, "activation_function", path)
                                                              : "torch.nn.modules.activation.Tanh";
  if (act == "torch.nn.modules.activation.Tanh") {
    s.tanh = true;
  } else if (act != "torch.nn.modules.linear.Identity") {
    Fail(Status::kUnsupported, path + ": activation_function '" + act + "' is not supported (Identity, Tanh)");
  }
  const std::string weights = JoinPath(folder, "model.safetensors");
  if (!FileExists(weights)) {
    Fail(Status::kIoError, "the Dense module " + name + " has no model.safetensors (pytorch_model.bin is not read)");
  }
  TensorIndex part;
  ReadSafetensors(MappedFile::Open(weights), &part);
  s.weight = name + ".linear.weight";
  if (bias) s.bias = name + ".linear.bias";
  for (const auto& [stored, entry] : part.all()) {
    if (stored != "linear.weight" && stored != "linear.bias") continue;
    TensorEntry renamed = entry;
    renamed.name = name + "." + stored;
    tensors.Add(renamed);
  }
  for (const std::shared_ptr<const MappedFile>& f : part.files()) tensors.KeepAlive(f);
  e.stages.push_back(s);
}

void ReadPrompts(const std::string& dir, EmbeddingHParams& e) {
  const std::string path = JoinPath(dir, "config_sentence_transformers.json");
  if (!FileExists(path)) return;
  // Ordered: prompts are listed as the file lists them.
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(ReadTextFile(path), nullptr, false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, path + " is not a JSON object");
  if (auto it = j.find("prompts"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) Fail(Status::kFormatError, path + ": 'prompts' must be an object");
    for (auto p = it->begin(); p != it->end(); ++p) {
      if (!p.value().is_string()) Fail(Status::kFormatError, path + ": prompt '" + p.key() + "' is not a string");
      e.prompts.emplace_back(p.key(), p.value().get<std::string>());
    }
  }
  if (auto it = j.find("default_prompt_name"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) Fail(Status::kFormatError, path + ": 'default_prompt_name' must be a string");
    e.default_prompt_name = it->get<std::string>();
    bool known = false;
    for (const auto& p : e.prompts) known = known || p.first == e.default_prompt_name;
    if (!known) Fail(Status::kFormatError, path + ": default_prompt_name '" + e.default_prompt_name + "' names no prompt");
  }
}

EmbeddingHParams Read(const std::string& dir) {
  const std::string modules_path = JoinPath(dir, kModulesName);
  const json modules = json::parse(ReadTextFile(modules_path), nullptr, false);
  if (modules.is_discarded() || !modules.is_array()) Fail(Status::kFormatError, modules_path + " is not a JSON array");
  EmbeddingHParams e;
  auto tensors = std::make_shared<TensorIndex>();
  bool transformer = false, pooling = false;
  for (const json& m : modules) {
    if (!m.is_object()) Fail(Status::kFormatError, modules_path + ": a module is not an object");
    const std::string type = StringField(m, "type", modules_path);
    const std::string path = m.contains("path") ? StringField(m, "path", modules_path) : "";
    const std::string kind = type.rfind(kModulePrefix, 0) == 0 ? type.substr(sizeof kModulePrefix - 1) : type;
    // The transformer comes first and the pooling right after it; what follows works on one vector.
    const bool in_order = kind == "Transformer" ? !transformer : kind == "Pooling" ? transformer && !pooling : pooling;
    if ((kind == "Transformer" || kind == "Pooling" || kind == "Dense" || kind == "Normalize") && !in_order) {
      Fail(Status::kFormatError, modules_path + ": module " + kind + " is out of order (Transformer, Pooling, then Dense / Normalize)");
    }
    if (kind == "Transformer") {
      if (!path.empty()) Fail(Status::kUnsupported, modules_path + ": the Transformer must be the folder itself (path \"\")");
      transformer = true;
    } else if (kind == "Pooling") {
      ReadPooling(ModuleFolder(dir, path, modules_path), e);
      pooling = true;
    } else if (kind == "Dense") {
      if (path.empty()) Fail(Status::kFormatError, modules_path + ": a Dense module needs a folder");
      ReadDense(ModuleFolder(dir, path, modules_path), path, e, *tensors);
    } else if (kind == "Normalize") {
      EmbeddingStage s;
      s.kind = EmbeddingStage::kNormalize;
      e.stages.push_back(s);
    } else {
      Fail(Status::kUnsupported, modules_path + ": module type '" + type + "' is not supported (Transformer, Pooling, Dense, Normalize)");
    }
  }
  if (!pooling) Fail(Status::kFormatError, modules_path + " lists no Transformer followed by a Pooling module");
  e.tensors = std::move(tensors);
  ReadPrompts(dir, e);
  const std::string bert_path = JoinPath(dir, "sentence_bert_config.json");
  ReadJsonInt(ReadJsonIfPresent(bert_path), "max_seq_length", e.max_seq_length, bert_path.c_str());
  if (e.max_seq_length < 0) Fail(Status::kFormatError, bert_path + ": max_seq_length must not be negative");
  if (e.max_seq_length > 0 && e.max_seq_length < 3) Fail(Status::kFormatError, bert_path + ": max_seq_length below 3 leaves no room for text");
  // GemmaTokenizer's defaults: <bos> yes, <eos> no; EmbeddingGemma's file asks for both.
  const std::string tok_path = JoinPath(dir, "tokenizer_config.json");
  const json tok = ReadJsonIfPresent(tok_path);
  ReadJsonBool(tok, "add_bos_token", e.add_bos, tok_path.c_str());
  ReadJsonBool(tok, "add_eos_token", e.add_eos, tok_path.c_str());
  return e;
}

}  // namespace

std::optional<EmbeddingHParams> OpenSentenceTransformers(const std::string& dir) {
  if (!FileExists(JoinPath(dir, kModulesName))) return std::nullopt;
  try {
    return Read(dir);
  } catch (const json::exception& e) {
    // Fields are type-checked before use; this only keeps a library exception from escaping.
    Fail(Status::kFormatError, dir + ": sentence-transformers files: " + e.what());
  }
}

}  // namespace gemmakit
