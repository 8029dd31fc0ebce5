#include "io/hf_config.h"

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

using nlohmann::json;

template <typename T>
void Read(const json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
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

void ReadTextFields(const json& j, HParams& hp) {
  Read(j, "vocab_size", hp.vocab_size);
  Read(j, "hidden_size", hp.hidden_size);
  Read(j, "intermediate_size", hp.intermediate_size);
  Read(j, "num_hidden_layers", hp.num_hidden_layers);
  Read(j, "num_attention_heads", hp.num_attention_heads);
  Read(j, "num_key_value_heads", hp.num_key_value_heads);
  Read(j, "head_dim", hp.head_dim);
  Read(j, "max_position_embeddings", hp.max_position_embeddings);
  Read(j, "sliding_window", hp.sliding_window);
  Read(j, "sliding_window_pattern", hp.sliding_window_pattern);
  Read(j, "rms_norm_eps", hp.rms_norm_eps);
  Read(j, "rope_theta", hp.rope_theta);
  Read(j, "rope_local_base_freq", hp.rope_local_base_freq);
  Read(j, "query_pre_attn_scalar", hp.query_pre_attn_scalar);
  Read(j, "attn_logit_softcapping", hp.attn_logit_softcapping);
  Read(j, "final_logit_softcapping", hp.final_logit_softcapping);
  Read(j, "hidden_activation", hp.hidden_activation);
  Read(j, "tie_word_embeddings", hp.tie_word_embeddings);
  if (auto it = j.find("layer_types"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) Fail(Status::kFormatError, "config.json: 'layer_types' must be a list");
    for (const auto& t : *it) {
      if (!t.is_string()) Fail(Status::kFormatError, "config.json: 'layer_types' entries must be strings");
      hp.layer_types.push_back(t.get<std::string>());
    }
  }
  if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) Fail(Status::kFormatError, "config.json: 'rope_scaling' must be an object");
    std::optional<std::string> type;
    Read(*it, "rope_type", type);
    if (!type) Read(*it, "type", type);
    hp.rope_scaling_type = type.value_or("default");
    Read(*it, "factor", hp.rope_scaling_factor);
  }
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
  auto text = j.find("text_config");
  if (text != j.end() && !text->is_null()) {
    if (!text->is_object()) Fail(Status::kFormatError, "config.json: 'text_config' must be an object");
    std::optional<std::string> text_type;
    Read(*text, "model_type", text_type);
    // Gemma 3's multimodal config: the language model is a gemma3_text model.
    hp.model_type = text_type.value_or(hp.model_type == "gemma3" ? "gemma3_text" : hp.model_type);
    ReadTextFields(*text, hp);
    if (!hp.tie_word_embeddings) Read(j, "tie_word_embeddings", hp.tie_word_embeddings);
  } else {
    ReadTextFields(j, hp);
  }
  return hp;
}

}  // namespace gemmakit
