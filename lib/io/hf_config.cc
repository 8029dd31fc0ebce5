#include "io/hf_config.h"

#include <set>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

using nlohmann::json;

// Reads `key` into `out` when present; records it in `nulls` when written as null.
template <typename T>
void Read(const json& j, const char* key, std::optional<T>& out, std::set<std::string>* nulls = nullptr) {
  auto it = j.find(key);
  if (it == j.end()) return;
  if (it->is_null()) {
    if (nulls) nulls->insert(key);
    return;
  }
  if constexpr (std::is_same_v<T, int64_t>) {
    if (!it->is_number_integer()) Fail(Status::kFormatError, std::string("config.json: '") + key + "' must be an integer");
    out = it->get<int64_t>();
  } else if constexpr (std::is_same_v<T, double>) {
    if (!it->is_number()) Fail(Status::kFormatError, std::string("config.json: '") + key + "' must be a number");
    out = it->get<double>();
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) Fail(Status::kFormatError, std::string("config.json: '") + key + "' must be true or false");
    out = it->get<bool>();
  } else {
    if (!it->is_string()) Fail(Status::kFormatError, std::string("config.json: '") + key + "' must be a string");
    out = it->get<std::string>();
  }
}

// An integer, or (Gemma 3n's intermediate_size) a list of one per layer.
void ReadIntOrList(const json& j, const char* key, std::optional<int64_t>& one, std::vector<int64_t>& list,
                   std::set<std::string>* nulls) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return Read(j, key, one, nulls);
  for (const auto& v : *it) {
    if (!v.is_number_integer()) Fail(Status::kFormatError, std::string("config.json: '") + key + "' entries must be integers");
    list.push_back(v.get<int64_t>());
  }
}

RopeHParams ReadRope(const json& j, const std::string& where) {
  if (!j.is_object()) Fail(Status::kFormatError, "config.json: '" + where + "' must be an object");
  RopeHParams r;
  Read(j, "rope_type", r.rope_type);
  if (!r.rope_type) Read(j, "type", r.rope_type);  // the key before transformers 4.45
  Read(j, "rope_theta", r.rope_theta);
  Read(j, "factor", r.factor);
  return r;
}

// transformers 5: {"full_attention": {...}, "sliding_attention": {...}} for models with both kinds
// of layer, or one flat {"rope_type": ..., "rope_theta": ...} for models with one.
void ReadRopeParameters(const json& j, HParams& hp) {
  if (!j.is_object()) Fail(Status::kFormatError, "config.json: 'rope_parameters' must be an object");
  bool keyed = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "full_attention" || it.key() == "sliding_attention") {
      keyed = true;
      if (!it.value().is_null()) hp.rope_parameters[it.key()] = ReadRope(it.value(), "rope_parameters." + it.key());
    }
  }
  if (!keyed) hp.rope_parameters[""] = ReadRope(j, "rope_parameters");
}

void ReadTextFields(const json& j, HParams& hp) {
  auto* nulls = &hp.nulls;
  Read(j, "vocab_size", hp.vocab_size, nulls);
  Read(j, "hidden_size", hp.hidden_size, nulls);
  ReadIntOrList(j, "intermediate_size", hp.intermediate_size, hp.intermediate_sizes, nulls);
  Read(j, "num_hidden_layers", hp.num_hidden_layers, nulls);
  Read(j, "num_attention_heads", hp.num_attention_heads, nulls);
  Read(j, "num_key_value_heads", hp.num_key_value_heads, nulls);
  Read(j, "head_dim", hp.head_dim, nulls);
  Read(j, "max_position_embeddings", hp.max_position_embeddings, nulls);
  Read(j, "sliding_window", hp.sliding_window, nulls);
  Read(j, "sliding_window_pattern", hp.sliding_window_pattern, nulls);
  Read(j, "_sliding_window_pattern", hp.private_sliding_window_pattern, nulls);
  Read(j, "rms_norm_eps", hp.rms_norm_eps, nulls);
  Read(j, "rope_theta", hp.rope_theta, nulls);
  Read(j, "rope_local_base_freq", hp.rope_local_base_freq, nulls);
  Read(j, "query_pre_attn_scalar", hp.query_pre_attn_scalar, nulls);
  Read(j, "attn_logit_softcapping", hp.attn_logit_softcapping, nulls);
  Read(j, "final_logit_softcapping", hp.final_logit_softcapping, nulls);
  Read(j, "hidden_activation", hp.hidden_activation, nulls);
  Read(j, "hidden_act", hp.hidden_act, nulls);
  Read(j, "tie_word_embeddings", hp.tie_word_embeddings, nulls);
  Read(j, "use_bidirectional_attention", hp.use_bidirectional_attention, nulls);
  Read(j, "vocab_size_per_layer_input", hp.vocab_size_per_layer_input, nulls);
  Read(j, "hidden_size_per_layer_input", hp.hidden_size_per_layer_input, nulls);
  Read(j, "altup_active_idx", hp.altup_active_idx, nulls);
  Read(j, "altup_num_inputs", hp.altup_num_inputs, nulls);
  Read(j, "altup_coef_clip", hp.altup_coef_clip, nulls);
  Read(j, "altup_correct_scale", hp.altup_correct_scale, nulls);
  Read(j, "num_kv_shared_layers", hp.num_kv_shared_layers, nulls);
  Read(j, "laurel_rank", hp.laurel_rank, nulls);
  if (auto it = j.find("activation_sparsity_pattern"); it != j.end() && !it->is_null()) {
    if (it->is_number()) {
      hp.activation_sparsity_pattern.push_back(it->get<double>());
    } else if (it->is_array()) {
      for (const auto& v : *it) {
        if (!v.is_number()) Fail(Status::kFormatError, "config.json: 'activation_sparsity_pattern' entries must be numbers");
        hp.activation_sparsity_pattern.push_back(v.get<double>());
      }
    } else {
      Fail(Status::kFormatError, "config.json: 'activation_sparsity_pattern' must be a number or a list");
    }
  }
  if (auto it = j.find("layer_types"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) Fail(Status::kFormatError, "config.json: 'layer_types' must be a list");
    for (const auto& t : *it) {
      if (!t.is_string()) Fail(Status::kFormatError, "config.json: 'layer_types' entries must be strings");
      hp.layer_types.push_back(t.get<std::string>());
    }
  }
  if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) hp.rope_scaling = ReadRope(*it, "rope_scaling");
  if (auto it = j.find("rope_parameters"); it != j.end() && !it->is_null()) ReadRopeParameters(*it, hp);
}

}  // namespace

HParams ParseHfConfig(const std::string& config_json) {
  json j = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, "config.json is not a JSON object");
  HParams hp;
  std::optional<std::string> model_type;
  Read(j, "model_type", model_type);
  if (!model_type) Fail(Status::kFormatError, "config.json has no 'model_type'");
  hp.model_type = *model_type;
  // Multimodal Gemma 3 and 3n nest their language model (gemma3_text, gemma3n_text) under
  // text_config; without one, transformers builds the text config class's defaults, and no
  // top-level field is the text model's.
  auto text = j.find("text_config");
  const bool nested = text != j.end() && !text->is_null();
  const bool multimodal = hp.model_type == "gemma3" || hp.model_type == "gemma3n";
  if (nested || multimodal) {
    if (nested && !text->is_object()) Fail(Status::kFormatError, "config.json: 'text_config' must be an object");
    std::optional<std::string> text_type;
    if (nested) Read(*text, "model_type", text_type);
    hp.model_type = text_type.value_or(multimodal ? hp.model_type + "_text" : hp.model_type);
    if (nested) ReadTextFields(*text, hp);
    if (!hp.tie_word_embeddings) Read(j, "tie_word_embeddings", hp.tie_word_embeddings);
  } else {
    ReadTextFields(j, hp);
  }
  return hp;
}

}  // namespace gemmakit
