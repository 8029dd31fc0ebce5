#include "io/hf_vision_config.h"

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/json_fields.h"

namespace gemmakit {
namespace {

using nlohmann::json;

// image_mean / image_std: one number for every channel, or one per channel.
void ReadTriple(const json& j, const char* key, double (&out)[3], const char* file) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  if (it->is_number()) {
    out[0] = out[1] = out[2] = it->get<double>();
    return;
  }
  if (!it->is_array() || it->size() != 3) Fail(Status::kFormatError, std::string(file) + ": '" + key + "' must be 3 numbers");
  for (size_t c = 0; c < 3; ++c) {
    if (!(*it)[c].is_number()) Fail(Status::kFormatError, std::string(file) + ": '" + key + "' must be 3 numbers");
    out[c] = (*it)[c].get<double>();
  }
}

}  // namespace

std::optional<VisionHParams> ParseHfVisionConfig(const std::string& config_json) {
  constexpr char kFile[] = "config.json";
  const json j = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, "config.json is not a JSON object");
  auto vc = j.find("vision_config");
  if (vc == j.end() || vc->is_null()) return std::nullopt;
  if (!vc->is_object()) Fail(Status::kFormatError, "config.json: 'vision_config' must be an object");
  VisionHParams v;
  // SiglipVisionConfig's defaults, for the fields a saved config may leave out.
  v.hidden_size = 768;
  v.intermediate_size = 3072;
  v.num_hidden_layers = 12;
  v.num_attention_heads = 12;
  v.image_size = 224;
  v.patch_size = 16;
  ReadJsonInt(*vc, "hidden_size", v.hidden_size, kFile);
  ReadJsonInt(*vc, "intermediate_size", v.intermediate_size, kFile);
  ReadJsonInt(*vc, "num_hidden_layers", v.num_hidden_layers, kFile);
  ReadJsonInt(*vc, "num_attention_heads", v.num_attention_heads, kFile);
  ReadJsonInt(*vc, "image_size", v.image_size, kFile);
  ReadJsonInt(*vc, "patch_size", v.patch_size, kFile);
  ReadJsonInt(*vc, "num_channels", v.num_channels, kFile);
  ReadJsonNumber(*vc, "layer_norm_eps", v.layer_norm_eps, kFile);
  if (auto it = vc->find("hidden_act"); it != vc->end() && !it->is_null()) {
    if (!it->is_string()) Fail(Status::kFormatError, "config.json: vision 'hidden_act' must be a string");
    v.hidden_act = it->get<std::string>();
  }
  ReadJsonInt(j, "mm_tokens_per_image", v.mm_tokens_per_image, kFile);
  ReadJsonInt(j, "boi_token_index", v.boi_token_index, kFile);
  ReadJsonInt(j, "eoi_token_index", v.eoi_token_index, kFile);
  ReadJsonInt(j, "image_token_index", v.image_token_index, kFile);
  if (v.image_token_index < 0) ReadJsonInt(j, "image_token_id", v.image_token_index, kFile);
  return v;
}

ImageProcessorConfig ParsePreprocessorConfig(const std::string& json_text) {
  constexpr char kFile[] = "preprocessor_config.json";
  const json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, "preprocessor_config.json is not a JSON object");
  ImageProcessorConfig p;
  if (auto it = j.find("size"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) Fail(Status::kFormatError, "preprocessor_config.json: 'size' must be an object");
    ReadJsonInt(*it, "height", p.height, kFile);
    ReadJsonInt(*it, "width", p.width, kFile);
  }
  ReadJsonBool(j, "do_convert_rgb", p.do_convert_rgb, kFile);
  ReadJsonBool(j, "do_resize", p.do_resize, kFile);
  ReadJsonInt(j, "resample", p.resample, kFile);
  ReadJsonBool(j, "do_rescale", p.do_rescale, kFile);
  ReadJsonNumber(j, "rescale_factor", p.rescale_factor, kFile);
  ReadJsonBool(j, "do_normalize", p.do_normalize, kFile);
  ReadTriple(j, "image_mean", p.image_mean, kFile);
  ReadTriple(j, "image_std", p.image_std, kFile);
  ReadJsonBool(j, "do_pan_and_scan", p.do_pan_and_scan, kFile);
  ReadJsonInt(j, "pan_and_scan_min_crop_size", p.pan_and_scan_min_crop_size, kFile);
  ReadJsonInt(j, "pan_and_scan_max_num_crops", p.pan_and_scan_max_num_crops, kFile);
  ReadJsonNumber(j, "pan_and_scan_min_ratio_to_activate", p.pan_and_scan_min_ratio_to_activate, kFile);
  if (p.resample != 2) {
    Fail(Status::kUnsupported, "preprocessor_config.json: resample " + std::to_string(p.resample) +
                                   " is not supported (Gemma 3 uses 2, bilinear)");
  }
  if (p.height < 0 || p.width < 0 || p.height > 8192 || p.width > 8192) {
    Fail(Status::kFormatError, "preprocessor_config.json: 'size' is out of range");
  }
  for (double s : p.image_std) {
    if (!(s > 0)) Fail(Status::kFormatError, "preprocessor_config.json: 'image_std' must be positive");
  }
  if (p.pan_and_scan_min_crop_size < 1 || p.pan_and_scan_max_num_crops < 1 || p.pan_and_scan_max_num_crops > 64 ||
      !(p.pan_and_scan_min_ratio_to_activate > 0)) {
    Fail(Status::kFormatError, "preprocessor_config.json: pan-and-scan settings are out of range");
  }
  return p;
}

}  // namespace gemmakit
