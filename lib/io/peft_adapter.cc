#include "io/peft_adapter.h"

#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/json_fields.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr char kConfigName[] = "adapter_config.json";
constexpr char kWeightsName[] = "adapter_model.safetensors";
constexpr char kSavedPrefix[] = "base_model.model.";  // PEFT's wrapper around the base model

// The projections an adapter may target, with the sublayer each sits in.
struct ProjectionName {
  const char* module;
  const char* parent;
};
constexpr ProjectionName kProjections[] = {
    {"q_proj", "self_attn"}, {"k_proj", "self_attn"}, {"v_proj", "self_attn"}, {"o_proj", "self_attn"},
    {"gate_proj", "mlp"},    {"up_proj", "mlp"},      {"down_proj", "mlp"},
};

const ProjectionName* FindProjection(const std::string& module) {
  for (const ProjectionName& p : kProjections) {
    if (module == p.module) return &p;
  }
  return nullptr;
}

std::string LastComponent(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

[[noreturn]] void UnknownTarget(const std::string& file, const std::string& module) {
  Fail(Status::kUnsupported, file + ": target module '" + module +
                                 "' is not supported: adapters may target q_proj, k_proj, v_proj, o_proj, gate_proj, "
                                 "up_proj and down_proj");
}

// PEFT's target_modules: a list (a module matches when its name is an entry or ends with
// "." + entry), a regular expression the whole name must match, or "all-linear".
class TargetModules {
 public:
  TargetModules(const json& cfg, const std::string& file) {
    auto it = cfg.find("target_modules");
    if (it == cfg.end() || it->is_null()) {
      Fail(Status::kFormatError, file + " has no target_modules");
    }
    if (it->is_string()) {
      const std::string pattern = it->get<std::string>();
      if (pattern == "all-linear") {
        all_ = true;
        return;
      }
      try {
        regex_ = std::regex(pattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
        Fail(Status::kFormatError, file + ": target_modules '" + pattern + "' is not a regular expression gemmakit reads");
      }
      is_regex_ = true;
      return;
    }
    if (!it->is_array()) Fail(Status::kFormatError, file + ": target_modules must be a list or a string");
    for (const json& t : *it) {
      if (!t.is_string()) Fail(Status::kFormatError, file + ": target_modules holds a non-string");
      const std::string name = t.get<std::string>();
      if (!FindProjection(LastComponent(name))) UnknownTarget(file, name);
      names_.push_back(name);
    }
  }

  bool Targets(const std::string& module) const {
    if (all_) return true;
    if (is_regex_) return std::regex_match(module, regex_);
    for (const std::string& t : names_) {
      if (module == t) return true;
      if (module.size() > t.size() && module.compare(module.size() - t.size(), t.size(), t) == 0 &&
          module[module.size() - t.size() - 1] == '.') {
        return true;
      }
    }
    return false;
  }

 private:
  bool all_ = false, is_regex_ = false;
  std::regex regex_;
  std::vector<std::string> names_;
};

void RequireEmpty(const json& cfg, const char* key, const std::string& file, const char* what) {
  auto it = cfg.find(key);
  if (it != cfg.end() && !it->is_null() && !it->empty()) {
    Fail(Status::kUnsupported, file + ": " + key + " is set; " + what + " is not supported");
  }
}

void RequireFalse(const json& cfg, const char* key, const std::string& file, const char* what) {
  bool v = false;
  ReadJsonBool(cfg, key, v, file.c_str());
  if (v) Fail(Status::kUnsupported, file + ": " + key + " is true; " + what + " is not supported");
}

void ReadConfig(const std::string& path, LoraCheckpoint& ck, json& cfg) {
  cfg = json::parse(ReadTextFile(path), nullptr, /*allow_exceptions=*/false);
  if (cfg.is_discarded() || !cfg.is_object()) Fail(Status::kFormatError, path + " is not a JSON object");
  auto type = cfg.find("peft_type");
  if (type == cfg.end() || !type->is_string()) Fail(Status::kFormatError, path + " has no peft_type");
  if (type->get<std::string>() != "LORA") {
    Fail(Status::kUnsupported, path + ": peft_type " + type->get<std::string>() + " is not supported (only LORA)");
  }
  RequireFalse(cfg, "use_dora", path, "DoRA");
  RequireFalse(cfg, "lora_bias", path, "a LoRA bias");
  RequireFalse(cfg, "fan_in_fan_out", path, "a transposed (Conv1D) base layer");
  RequireEmpty(cfg, "rank_pattern", path, "a per-module rank");
  RequireEmpty(cfg, "alpha_pattern", path, "a per-module alpha");
  RequireEmpty(cfg, "modules_to_save", path, "saving whole modules beside the adapter");
  ReadJsonInt(cfg, "r", ck.rank, path.c_str());
  ReadJsonNumber(cfg, "lora_alpha", ck.alpha, path.c_str());
  ReadJsonBool(cfg, "use_rslora", ck.rslora, path.c_str());
  if (ck.rank <= 0) Fail(Status::kFormatError, path + ": r must be a positive integer");
  if (!std::isfinite(ck.alpha)) Fail(Status::kFormatError, path + ": lora_alpha must be a finite number");
  const double r = static_cast<double>(ck.rank);
  ck.scaling = ck.alpha / (ck.rslora ? std::sqrt(r) : r);
}

// "base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight" → "layers.3.self_attn.q_proj.lora_A.weight",
// refusing what is not a LoRA factor of a targeted projection of the language model's layers.
std::string CanonicalName(const std::string& stored, const TargetModules& targets, const std::string& file) {
  static const std::regex kFactor(R"(^(.*)\.(lora_[AB])\.weight$)");
  static const std::regex kLayerModule(R"(^(?:model\.|model\.language_model\.|language_model\.model\.)(layers\.\d+\.(\w+)\.(\w+))$)");
  std::smatch m;
  if (stored.compare(0, sizeof kSavedPrefix - 1, kSavedPrefix) != 0 || !std::regex_match(stored, m, kFactor)) {
    if (stored.find("lora_magnitude_vector") != std::string::npos) {
      Fail(Status::kUnsupported, file + ": tensor '" + stored + "' is a DoRA magnitude; DoRA is not supported");
    }
    if (stored.find("lora_embedding_") != std::string::npos) {
      Fail(Status::kUnsupported, file + ": tensor '" + stored + "' adapts an embedding; only projections are supported");
    }
    Fail(Status::kFormatError, file + ": tensor '" + stored + "' is not a PEFT LoRA factor");
  }
  const std::string module = m[1].str().substr(sizeof kSavedPrefix - 1);
  const std::string factor = m[2].str();
  std::smatch lm;
  const ProjectionName* p = FindProjection(LastComponent(module));
  if (!p) UnknownTarget(file, module);
  if (!std::regex_match(module, lm, kLayerModule) || lm[2].str() != p->parent) {
    Fail(Status::kUnsupported, file + ": module '" + module + "' is not a projection of the language model's layers");
  }
  if (!targets.Targets(module)) {
    Fail(Status::kFormatError, file + ": tensor '" + stored + "' adapts '" + module + "', which target_modules leaves out");
  }
  return lm[1].str() + "." + factor + ".weight";
}

}  // namespace

LoraCheckpoint OpenLoraCheckpoint(const std::string& dir) {
  if (!IsDirectory(dir)) {
    Fail(Status::kIoError, "adapter folder " + dir + (FileExists(dir) ? " is a file, not a folder" : " does not exist"));
  }
  LoraCheckpoint ck;
  ck.dir = dir;
  const std::string config_path = JoinPath(dir, kConfigName);
  const std::string weights_path = JoinPath(dir, kWeightsName);
  if (!FileExists(config_path)) Fail(Status::kIoError, "no " + std::string(kConfigName) + " in " + dir);
  if (!FileExists(weights_path)) Fail(Status::kIoError, "no " + std::string(kWeightsName) + " in " + dir);
  json cfg;
  ReadConfig(config_path, ck, cfg);
  const TargetModules targets(cfg, config_path);

  TensorIndex stored;
  ReadSafetensors(MappedFile::Open(weights_path), &stored);
  auto canonical = std::make_shared<TensorIndex>();
  for (const auto& [name, entry] : stored.all()) {
    TensorEntry e = entry;
    e.name = CanonicalName(name, targets, weights_path);
    canonical->Add(std::move(e));
  }
  for (const auto& [name, entry] : canonical->all()) {
    const bool is_a = name.find(".lora_A.") != std::string::npos;
    std::string pair = name;
    pair.replace(name.find(is_a ? ".lora_A." : ".lora_B."), 8, is_a ? ".lora_B." : ".lora_A.");
    if (!canonical->Find(pair)) Fail(Status::kFormatError, weights_path + ": '" + name + "' has no matching '" + pair + "'");
  }
  if (canonical->size() == 0) Fail(Status::kFormatError, weights_path + " holds no LoRA factors");
  for (const auto& file : stored.files()) canonical->KeepAlive(file);
  ck.tensors = std::move(canonical);
  return ck;
}

}  // namespace gemmakit
