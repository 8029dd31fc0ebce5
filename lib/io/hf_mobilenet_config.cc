#include "io/hf_mobilenet_config.h"

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/json_fields.h"

namespace gemmakit {
namespace {

using nlohmann::json;
constexpr char kFile[] = "config.json";

void ReadFlag(const json& j, const char* key, bool& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (it->is_boolean()) {
    out = it->get<bool>();
  } else if (it->is_number_integer()) {
    out = it->get<int64_t>() != 0;
  } else {
    Fail(Status::kFormatError, std::string(kFile) + ": vision block argument '" + key + "' must be a boolean");
  }
}

// One of timm's BlockArgs dicts. Keys that would change the computation in ways gemmakit does not
// implement are refused by name rather than ignored.
MobileNetBlockArgs ParseBlock(const json& b, size_t stage, size_t index) {
  const std::string where = std::string(kFile) + ": vision_config.model_args.block_args[" + std::to_string(stage) + "][" +
                            std::to_string(index) + "]";
  if (!b.is_object()) Fail(Status::kFormatError, where + " must be an object");
  MobileNetBlockArgs a;
  auto type = b.find("block_type");
  if (type == b.end() || !type->is_string()) Fail(Status::kFormatError, where + " has no 'block_type' string");
  a.block_type = type->get<std::string>();
  static const char* const kKnown[] = {
      "block_type", "out_chs", "stride", "act_layer", "exp_kernel_size", "pw_kernel_size", "exp_ratio", "force_in_chs",
      "se_ratio", "noskip", "dw_kernel_size_start", "dw_kernel_size_mid", "dw_kernel_size_end", "dw_kernel_size",
      "num_heads", "key_dim", "value_dim", "kv_stride", "repeat"};
  for (auto it = b.begin(); it != b.end(); ++it) {
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) Fail(Status::kUnsupported, where + " has block argument '" + it.key() + "', which gemmakit does not implement");
  }
  ReadJsonInt(b, "repeat", a.repeat, kFile);
  ReadJsonInt(b, "out_chs", a.out_chs, kFile);
  ReadJsonInt(b, "stride", a.stride, kFile);
  ReadJsonNumber(b, "exp_ratio", a.exp_ratio, kFile);
  ReadJsonNumber(b, "se_ratio", a.se_ratio, kFile);
  ReadFlag(b, "noskip", a.noskip);
  if (auto act = b.find("act_layer"); act != b.end() && !act->is_null()) a.custom_activation = true;
  ReadJsonInt(b, "exp_kernel_size", a.exp_kernel_size, kFile);
  ReadJsonInt(b, "pw_kernel_size", a.pw_kernel_size, kFile);
  ReadJsonInt(b, "force_in_chs", a.force_in_chs, kFile);
  ReadJsonInt(b, "dw_kernel_size_start", a.dw_kernel_size_start, kFile);
  ReadJsonInt(b, "dw_kernel_size_mid", a.dw_kernel_size_mid, kFile);
  ReadJsonInt(b, "dw_kernel_size_end", a.dw_kernel_size_end, kFile);
  ReadJsonInt(b, "dw_kernel_size", a.dw_kernel_size, kFile);
  ReadJsonInt(b, "num_heads", a.num_heads, kFile);
  ReadJsonInt(b, "key_dim", a.key_dim, kFile);
  a.value_dim = a.key_dim;
  ReadJsonInt(b, "value_dim", a.value_dim, kFile);
  ReadJsonInt(b, "kv_stride", a.kv_stride, kFile);
  return a;
}

void ParseModelArgs(const json& m, MobileNetHParams& v) {
  if (!m.is_object()) Fail(Status::kFormatError, std::string(kFile) + ": vision_config.model_args must be an object or null");
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string& key = it.key();
    if (key == "block_args") {
      if (!it->is_array()) Fail(Status::kFormatError, std::string(kFile) + ": model_args.block_args must be a list of stages");
      std::vector<std::vector<MobileNetBlockArgs>> stages;
      for (size_t s = 0; s < it->size(); ++s) {
        const json& stage = (*it)[s];
        if (!stage.is_array()) Fail(Status::kFormatError, std::string(kFile) + ": model_args.block_args[" + std::to_string(s) + "] must be a list");
        stages.emplace_back();
        for (size_t i = 0; i < stage.size(); ++i) stages.back().push_back(ParseBlock(stage[i], s, i));
      }
      v.block_args = std::move(stages);
    } else if (key == "stem_size" || key == "msfa_output_resolution") {
      int64_t x = 0;
      ReadJsonInt(m, key.c_str(), x, kFile);
      (key == "stem_size" ? v.stem_size : v.msfa_output_resolution) = x;
    } else {
      Fail(Status::kUnsupported, std::string(kFile) + ": vision_config.model_args has '" + key +
                                     "', a timm argument gemmakit does not implement");
    }
  }
}

}  // namespace

std::optional<MobileNetHParams> ParseHfMobileNetConfig(const std::string& config_json) {
  const json j = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, "config.json is not a JSON object");
  auto vc = j.find("vision_config");
  if (vc == j.end() || !vc->is_object()) return std::nullopt;
  auto type = vc->find("model_type");
  if (type == vc->end() || !type->is_string() || type->get<std::string>() != "gemma3n_vision") return std::nullopt;
  MobileNetHParams v;
  if (auto arch = vc->find("architecture"); arch != vc->end() && !arch->is_null()) {
    if (!arch->is_string()) Fail(Status::kFormatError, "config.json: vision_config.architecture must be a string");
    v.architecture = arch->get<std::string>();
  }
  if (auto m = vc->find("model_args"); m != vc->end() && !m->is_null()) ParseModelArgs(*m, v);
  ReadJsonInt(*vc, "hidden_size", v.hidden_size, kFile);
  ReadJsonNumber(*vc, "rms_norm_eps", v.rms_norm_eps, kFile);
  ReadJsonInt(*vc, "vocab_size", v.vocab_size, kFile);
  ReadJsonInt(*vc, "vocab_offset", v.vocab_offset, kFile);
  ReadJsonInt(j, "vision_soft_tokens_per_image", v.soft_tokens_per_image, kFile);
  ReadJsonInt(j, "boi_token_id", v.boi_token_id, kFile);
  ReadJsonInt(j, "eoi_token_id", v.eoi_token_id, kFile);
  ReadJsonInt(j, "image_token_id", v.image_token_id, kFile);
  if (auto tc = j.find("text_config"); tc != j.end() && !tc->is_null()) {
    if (!tc->is_object()) Fail(Status::kFormatError, "config.json: 'text_config' must be an object");
    ReadJsonInt(*tc, "hidden_size", v.text_hidden_size, kFile);
  }
  return v;
}

}  // namespace gemmakit
