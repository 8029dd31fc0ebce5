#include "io/hf_audio_config.h"

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/json_fields.h"

namespace gemmakit {
namespace {

using nlohmann::json;
constexpr char kFile[] = "config.json";

void ReadInts(const json& j, const char* key, std::vector<int64_t>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (!it->is_array()) Fail(Status::kFormatError, std::string(kFile) + ": audio '" + key + "' must be a list of integers");
  out.clear();
  for (const json& x : *it) {
    if (!x.is_number_integer()) Fail(Status::kFormatError, std::string(kFile) + ": audio '" + key + "' must be a list of integers");
    out.push_back(x.get<int64_t>());
  }
}

// [[time, frequency], ...]
void ReadPairs(const json& j, const char* key, std::vector<std::array<int64_t, 2>>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  const std::string what = std::string(kFile) + ": audio '" + key + "' must be a list of [time, frequency] pairs";
  if (!it->is_array()) Fail(Status::kFormatError, what);
  out.clear();
  for (const json& p : *it) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !p[1].is_number_integer()) {
      Fail(Status::kFormatError, what);
    }
    out.push_back({p[0].get<int64_t>(), p[1].get<int64_t>()});
  }
}

}  // namespace

std::optional<AudioHParams> ParseHfAudioConfig(const std::string& config_json) {
  const json j = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, "config.json is not a JSON object");
  auto ac = j.find("audio_config");
  if (ac == j.end() || ac->is_null()) return std::nullopt;
  if (!ac->is_object()) Fail(Status::kFormatError, "config.json: 'audio_config' must be an object");
  AudioHParams a;
  const json& c = *ac;
  ReadJsonInt(c, "vocab_size", a.vocab_size, kFile);
  ReadJsonInt(c, "vocab_offset", a.vocab_offset, kFile);
  ReadJsonInt(c, "input_feat_size", a.input_feat_size, kFile);
  ReadJsonInt(c, "hidden_size", a.hidden_size, kFile);
  ReadJsonNumber(c, "rms_norm_eps", a.rms_norm_eps, kFile);
  ReadJsonNumber(c, "gradient_clipping", a.gradient_clipping, kFile);
  ReadJsonInt(c, "conf_attention_chunk_size", a.conf_attention_chunk_size, kFile);
  ReadJsonInt(c, "conf_attention_context_left", a.conf_attention_context_left, kFile);
  ReadJsonInt(c, "conf_attention_context_right", a.conf_attention_context_right, kFile);
  ReadJsonNumber(c, "conf_attention_logit_cap", a.conf_attention_logit_cap, kFile);
  ReadJsonInt(c, "conf_num_attention_heads", a.conf_num_attention_heads, kFile);
  ReadJsonInt(c, "conf_num_hidden_layers", a.conf_num_hidden_layers, kFile);
  ReadJsonInt(c, "conf_conv_kernel_size", a.conf_conv_kernel_size, kFile);
  ReadJsonInt(c, "conf_reduction_factor", a.conf_reduction_factor, kFile);
  ReadJsonNumber(c, "conf_residual_weight", a.conf_residual_weight, kFile);
  ReadInts(c, "sscp_conv_channel_size", a.sscp_conv_channel_size);
  ReadJsonNumber(c, "sscp_conv_group_norm_eps", a.sscp_conv_group_norm_eps, kFile);
  ReadPairs(c, "sscp_conv_kernel_size", a.sscp_conv_kernel_size);
  ReadPairs(c, "sscp_conv_stride_size", a.sscp_conv_stride_size);
  ReadJsonInt(j, "audio_soft_tokens_per_image", a.audio_soft_tokens_per_image, kFile);
  ReadJsonInt(j, "boa_token_id", a.boa_token_id, kFile);
  ReadJsonInt(j, "eoa_token_id", a.eoa_token_id, kFile);
  ReadJsonInt(j, "audio_token_id", a.audio_token_id, kFile);
  if (auto tc = j.find("text_config"); tc != j.end() && !tc->is_null()) {
    if (!tc->is_object()) Fail(Status::kFormatError, "config.json: 'text_config' must be an object");
    ReadJsonInt(*tc, "hidden_size", a.text_hidden_size, kFile);
    ReadJsonInt(*tc, "vocab_size", a.text_vocab_size, kFile);
  }
  return a;
}

}  // namespace gemmakit
