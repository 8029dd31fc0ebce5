// Log-mel features of a 16 kHz clip exactly as HuggingFace's Gemma3nAudioFeatureExtractor makes
// them: the clip padded with zeros to a multiple of 128 samples (truncated past 30 s), frames of
// 512 + 1 samples every 160 with HTK pre-emphasis, a periodic Hann window, the magnitude of a
// 1024-point real FFT (kissfft), 128 triangular mel filters over 125–7600 Hz without area
// normalisation, log with a floor. Frames that start in the padding are marked invalid.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/audio_feature_config.h"

namespace gemmakit {

struct LogMelFeatures {
  size_t frames = 0, bins = 0;
  std::vector<float> values;   // [frames, bins]
  std::vector<uint8_t> valid;  // [frames]: 1 where the frame starts inside the clip
};

class LogMelExtractor {
 public:
  explicit LogMelExtractor(const AudioFeatureConfig& config);

  // Throws Error(kInvalidArgument) for a clip shorter than one frame.
  LogMelFeatures Compute(const float* samples, size_t n) const;

  size_t frame_length() const { return frame_length_; }
  size_t hop_length() const { return hop_; }
  size_t fft_length() const { return fft_length_; }

 private:
  AudioFeatureConfig c_;
  size_t frame_length_, hop_, fft_length_;
  std::vector<float> window_;
  // The mel filters are triangles: filter m is nonzero on FFT bins [first_[m], first_[m] + n);
  // weights_[m] holds those n values.
  std::vector<size_t> first_;
  std::vector<std::vector<double>> weights_;
};

}  // namespace gemmakit
