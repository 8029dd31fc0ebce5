#include "io/audio_feature_config.h"

#include <nlohmann/json.hpp>
#include <string>

#include "gemmakit/status.h"
#include "io/json_fields.h"

namespace gemmakit {

AudioFeatureConfig ParseAudioFeatureConfig(std::string_view json_text) {
  constexpr char kFile[] = "preprocessor_config.json";
  const nlohmann::json j = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, "preprocessor_config.json is not a JSON object");
  AudioFeatureConfig c;
  ReadJsonInt(j, "feature_size", c.feature_size, kFile);
  ReadJsonInt(j, "sampling_rate", c.sampling_rate, kFile);
  ReadJsonNumber(j, "frame_length_ms", c.frame_length_ms, kFile);
  ReadJsonNumber(j, "hop_length_ms", c.hop_length_ms, kFile);
  ReadJsonNumber(j, "min_frequency", c.min_frequency, kFile);
  ReadJsonNumber(j, "max_frequency", c.max_frequency, kFile);
  ReadJsonNumber(j, "preemphasis", c.preemphasis, kFile);
  ReadJsonBool(j, "preemphasis_htk_flavor", c.preemphasis_htk_flavor, kFile);
  ReadJsonBool(j, "fft_overdrive", c.fft_overdrive, kFile);
  ReadJsonNumber(j, "input_scale_factor", c.input_scale_factor, kFile);
  ReadJsonNumber(j, "mel_floor", c.mel_floor, kFile);
  ReadJsonNumbers(j, "per_bin_mean", c.per_bin_mean, kFile);
  ReadJsonNumbers(j, "per_bin_stddev", c.per_bin_stddev, kFile);
  double dither = 0;
  ReadJsonNumber(j, "dither", dither, kFile);
  if (dither != 0) Fail(Status::kUnsupported, "preprocessor_config.json: dither " + std::to_string(dither) + " (random noise) is not supported");
  if (c.sampling_rate != 16000) {
    Fail(Status::kUnsupported, "preprocessor_config.json: sampling_rate " + std::to_string(c.sampling_rate) +
                                   " (Gemma 3n's audio runs at 16000)");
  }
  const double frame = c.sampling_rate * c.frame_length_ms / 1000.0, hop = c.sampling_rate * c.hop_length_ms / 1000.0;
  if (c.feature_size < 1 || c.feature_size > 1024 || !(frame >= 16 && frame <= 16384) || !(hop >= 1 && hop <= frame) ||
      !(c.min_frequency >= 0 && c.min_frequency < c.max_frequency && c.max_frequency <= c.sampling_rate / 2.0) ||
      !(c.preemphasis >= 0 && c.preemphasis < 1) || !(c.mel_floor > 0) || !(c.input_scale_factor > 0)) {
    Fail(Status::kFormatError, "preprocessor_config.json: audio feature settings are out of range");
  }
  for (const std::vector<double>* v : {&c.per_bin_mean, &c.per_bin_stddev}) {
    if (!v->empty() && static_cast<int64_t>(v->size()) != c.feature_size) {
      Fail(Status::kFormatError, "preprocessor_config.json: per-bin statistics need feature_size values");
    }
  }
  for (double s : c.per_bin_stddev) {
    if (!(s > 0)) Fail(Status::kFormatError, "preprocessor_config.json: 'per_bin_stddev' must be positive");
  }
  return c;
}

}  // namespace gemmakit
