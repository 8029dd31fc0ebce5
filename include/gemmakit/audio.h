// A clip of sound as mono float32 samples at 16 kHz: what every clip becomes before Gemma 3n's
// audio feature extractor sees it. Clips come from audio files (WAV with 16/24/32-bit PCM or
// float32 samples, and whatever else Debian's libsndfile reads: FLAC, Ogg) or from PCM an
// application already holds. Other sample rates are resampled to 16 kHz (libsoxr, high quality)
// and channels are averaged to mono, as librosa and HuggingFace's pipelines load audio.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gemmakit {

struct AudioClip {
  static constexpr int32_t kSampleRate = 16000;
  // Clips are refused before any sample memory is allocated past this many input samples per
  // channel (one hour at 48 kHz); what a model accepts per clip is the encoder's limit.
  static constexpr int64_t kMaxInputFrames = int64_t{48000} * 3600;
  static constexpr int32_t kMaxChannels = 16;

  std::vector<float> samples;  // mono, kSampleRate per second, nominally in [-1, 1]

  double seconds() const { return static_cast<double>(samples.size()) / kSampleRate; }

  // An audio file. Throws Error: kIoError when it cannot be read, kFormatError when it is empty,
  // truncated, corrupt or not audio, kInvalidArgument for NaN or infinite samples or a clip with
  // no samples.
  static AudioClip Load(const std::string& path);
  // The same from a file's bytes in memory.
  static AudioClip Decode(const void* bytes, size_t size);
  // Copies interleaved PCM: `frames` frames of `channels` samples at `sample_rate` Hz, float32
  // (nominally [-1, 1]) or signed 16-bit. Throws Error(kInvalidArgument) for a NULL buffer, no
  // frames, a rate outside [1000, 384000] Hz, 0 or more than kMaxChannels channels, NaN samples.
  static AudioClip FromPcm(const float* pcm, size_t frames, int32_t sample_rate, int32_t channels = 1);
  static AudioClip FromPcm(const int16_t* pcm, size_t frames, int32_t sample_rate, int32_t channels = 1);
};

}  // namespace gemmakit
