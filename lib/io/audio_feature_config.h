// Gemma3nAudioFeatureExtractor's settings (preprocessor_config.json, which a Gemma 3n folder shares
// with its image processor). Absent fields keep HuggingFace's defaults.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace gemmakit {

struct AudioFeatureConfig {
  int64_t feature_size = 128;  // mel bins
  int64_t sampling_rate = 16000;
  double frame_length_ms = 32.0;
  double hop_length_ms = 10.0;
  double min_frequency = 125.0;
  double max_frequency = 7600.0;
  double preemphasis = 0.97;
  bool preemphasis_htk_flavor = true;
  bool fft_overdrive = true;  // an FFT twice the frame's next power of two
  double input_scale_factor = 1.0;
  double mel_floor = 1e-5;
  std::vector<double> per_bin_mean, per_bin_stddev;  // empty, or feature_size values
  int64_t pad_to_multiple_of = 128;  // samples, as the extractor's __call__ pads
  int64_t max_length = 480000;       // samples: 30 s, past which the extractor truncates
};

// Throws Error(kFormatError) for malformed JSON or values out of range, kUnsupported for dither
// (random noise cannot reproduce a reference) or a sampling rate other than 16 kHz.
AudioFeatureConfig ParseAudioFeatureConfig(std::string_view json_text);

}  // namespace gemmakit
