// Log-mel features → soft tokens for Gemma 3n's text model: the audio tower (subsampling
// convolutions, conformer blocks, reduction), the audio embedder, and the padding Gemma3nModel
// applies (masked steps and the tail up to tokens_per_clip become the embedding of the padding
// id). Immutable after creation; SoftTokens may run concurrently on different executors.
#pragma once

#include <memory>
#include <vector>

#include "io/audio_checkpoint.h"
#include "io/checkpoint.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "multimodal/audio/audio_config.h"
#include "multimodal/audio/audio_tap.h"
#include "multimodal/audio/audio_weights.h"
#include "multimodal/audio/log_mel.h"

namespace gemmakit {

class AudioEncoder {
 public:
  // Throws the errors of ResolveAudioConfig and BindAudioWeights. `matmul`: the model's precision
  // (bf16 activations for BF16 weights under Precision::kFast), for every product of the tower.
  static std::unique_ptr<AudioEncoder> Create(const AudioCheckpoint& checkpoint, const MatMulOptions& matmul = {});
  // The checkpoint's audio side. Throws Error(kUnsupported) when it has none.
  static std::unique_ptr<AudioEncoder> Load(const Checkpoint& checkpoint, const MatMulOptions& matmul = {});
  // An encoder over weights already bound (benchmarks with random weights).
  static std::unique_ptr<AudioEncoder> FromWeights(AudioConfig config, AudioWeights weights,
                                                   AudioFeatureConfig features = {}, const MatMulOptions& matmul = {});

  const AudioConfig& config() const { return config_; }
  const AudioFeatureConfig& features() const { return features_; }
  size_t tokens_per_clip() const { return static_cast<size_t>(config_.tokens_per_clip); }
  size_t n_params() const { return weights_.n_params; }
  // The most mel frames one clip may have: more would make more soft tokens than tokens_per_clip.
  size_t max_frames() const { return static_cast<size_t>(config_.max_frames); }

  // [tokens_per_clip, text_hidden]. The tap sees "subsample" [steps, hidden], each block's stages
  // (conformer_block.h) and its output "conformer" [steps, hidden], "reduced" [tokens, hidden]
  // (masked steps zeroed) and "embedded" [tokens, text_hidden] (before padding). Throws Error(kInvalidArgument) for features whose bin count
  // is not mel_bins, a validity mask of the wrong length, no valid frame, or more than
  // max_frames() frames.
  std::vector<float> SoftTokens(const LogMelFeatures& mel, Executor* ex, const AudioTap* tap = nullptr) const;

 private:
  AudioEncoder(AudioConfig c, AudioWeights w, AudioFeatureConfig f, const MatMulOptions& mm);
  AudioConfig config_;
  AudioWeights weights_;
  AudioFeatureConfig features_;
  std::vector<float> padding_;  // AudioPaddingEmbedding
  MatMulOptions matmul_;
};

}  // namespace gemmakit
