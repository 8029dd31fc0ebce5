#include "io/audio_checkpoint.h"

#include "io/hf_audio_config.h"
#include "io/mapped_file.h"

namespace gemmakit {
namespace {

constexpr PrefixRule kHfAudioPrefixes[] = {
    {"model.audio_tower.", "audio."},
    {"audio_tower.", "audio."},
    {"model.embed_audio.", "embed_audio."},
    {"embed_audio.", "embed_audio."},
};

}  // namespace

std::optional<AudioCheckpoint> OpenHfAudio(const HfCheckpoint& hf) {
  std::optional<AudioHParams> hp = ParseHfAudioConfig(hf.config_json);
  if (!hp) return std::nullopt;
  AudioCheckpoint a;
  a.hparams = *hp;
  const std::string pre = JoinPath(hf.dir, "preprocessor_config.json");
  if (FileExists(pre)) a.features = ParseAudioFeatureConfig(ReadTextFile(pre, 1u << 20));
  a.tensors = RenameByPrefix(hf.tensors, kHfAudioPrefixes, sizeof kHfAudioPrefixes / sizeof *kHfAudioPrefixes);
  return a;
}

}  // namespace gemmakit
