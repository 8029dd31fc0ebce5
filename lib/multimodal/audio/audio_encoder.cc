#include "multimodal/audio/audio_encoder.h"

#include <algorithm>
#include <string>

#include "gemmakit/status.h"
#include "multimodal/audio/audio_embedder.h"
#include "multimodal/audio/conformer_block.h"
#include "multimodal/audio/subsample.h"

namespace gemmakit {

AudioEncoder::AudioEncoder(AudioConfig c, AudioWeights w, AudioFeatureConfig f, const MatMulOptions& mm)
    : config_(std::move(c)), weights_(std::move(w)), features_(std::move(f)), matmul_(mm) {
  padding_ = AudioPaddingEmbedding(config_, weights_);
}

std::unique_ptr<AudioEncoder> AudioEncoder::Create(const AudioCheckpoint& ck, const MatMulOptions& mm) {
  AudioConfig c = ResolveAudioConfig(ck.hparams);
  AudioWeights w = BindAudioWeights(c, ck.tensors);
  return FromWeights(std::move(c), std::move(w), ck.features, mm);
}

std::unique_ptr<AudioEncoder> AudioEncoder::FromWeights(AudioConfig c, AudioWeights w, AudioFeatureConfig f,
                                                       const MatMulOptions& mm) {
  return std::unique_ptr<AudioEncoder>(new AudioEncoder(std::move(c), std::move(w), std::move(f), mm));
}

std::unique_ptr<AudioEncoder> AudioEncoder::Load(const Checkpoint& ck, const MatMulOptions& mm) {
  if (!ck.audio) {
    Fail(Status::kUnsupported, ck.path + " has no audio tower (it reads from HuggingFace folders whose config.json has audio_config)");
  }
  return Create(*ck.audio, mm);
}

std::vector<float> AudioEncoder::SoftTokens(const LogMelFeatures& mel, Executor* ex, const AudioTap* tap) const {
  const AudioConfig& c = config_;
  if (mel.bins != static_cast<size_t>(c.mel_bins)) {
    Fail(Status::kInvalidArgument, "audio features have " + std::to_string(mel.bins) + " mel bins; the audio tower takes " +
                                       std::to_string(c.mel_bins));
  }
  if (mel.values.size() != mel.frames * mel.bins || mel.valid.size() != mel.frames) {
    Fail(Status::kInvalidArgument, "audio features: values or validity mask do not match the frame count");
  }
  if (std::none_of(mel.valid.begin(), mel.valid.end(), [](uint8_t v) { return v != 0; })) {
    Fail(Status::kInvalidArgument, "audio features have no valid frame");
  }
  if (mel.frames > max_frames()) {
    Fail(Status::kInvalidArgument, "audio clip of " + std::to_string(mel.frames) + " frames makes more than the " +
                                       std::to_string(c.tokens_per_clip) + " soft tokens a clip may have (at most " +
                                       std::to_string(max_frames()) + " frames)");
  }
  auto emit = [&](const char* name, int layer, const std::vector<float>& t, size_t cols) {
    if (tap && *tap) (*tap)(name, layer, t.data(), t.size() / cols, cols);
  };
  const size_t d = static_cast<size_t>(c.hidden), td = static_cast<size_t>(c.text_hidden);
  std::vector<float> x = SubsampleMel(c, weights_, mel.values.data(), mel.frames, ex, matmul_);
  const size_t steps = x.size() / d;
  emit("subsample", -1, x, d);
  // Step t starts at mel frame t · time_stride (the last frame past the end).
  std::vector<uint8_t> valid(steps);
  for (size_t t = 0; t < steps; ++t) {
    valid[t] = mel.valid[std::min(t * static_cast<size_t>(c.time_stride), mel.frames - 1)];
  }
  for (size_t il = 0; il < weights_.layers.size(); ++il) {
    ConformerBlock(c, weights_.layers[il], x.data(), valid.data(), steps, ex, matmul_, tap, static_cast<int>(il));
    emit("conformer", static_cast<int>(il), x, d);
  }
  const size_t r = static_cast<size_t>(c.reduction), tokens = (steps + r - 1) / r;
  std::vector<float> reduced(tokens * d, 0.f);
  std::vector<uint8_t> token_valid(tokens);
  for (size_t i = 0; i < tokens; ++i) {
    token_valid[i] = valid[i * r];
    if (token_valid[i]) std::copy_n(&x[i * r * d], d, &reduced[i * d]);
  }
  emit("reduced", -1, reduced, d);
  const std::vector<float> embedded = EmbedAudioSoftTokens(c, weights_, reduced.data(), tokens, ex, matmul_);
  emit("embedded", -1, embedded, td);
  std::vector<float> out(tokens_per_clip() * td);
  for (size_t i = 0; i < tokens_per_clip(); ++i) {
    const float* src = i < tokens && token_valid[i] ? &embedded[i * td] : padding_.data();
    std::copy_n(src, td, &out[i * td]);
  }
  return out;
}

}  // namespace gemmakit
