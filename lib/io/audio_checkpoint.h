// The audio tower and audio embedder of a Gemma 3n checkpoint, under canonical names:
//   "audio.<name>"        e.g. audio.subsample_conv_projection.conv_0.conv.weight,
//                              audio.conformer.3.attention.attn.q_proj.weight
//   "embed_audio.<name>"  embed_audio.embedding.weight, embed_audio.soft_embedding_norm.weight, ...
// HuggingFace folders store them as model.audio_tower.* / model.embed_audio.* (as published) or
// without the "model." prefix (the tower saved on its own).
#pragma once

#include <memory>
#include <optional>

#include "io/audio_feature_config.h"
#include "io/audio_hparams.h"
#include "io/hf_checkpoint.h"
#include "io/tensor_index.h"

namespace gemmakit {

struct AudioCheckpoint {
  AudioHParams hparams;
  AudioFeatureConfig features;                 // preprocessor_config.json, or the extractor's defaults
  std::shared_ptr<const TensorIndex> tensors;  // canonical names (above)
};

// nullopt for a folder whose config.json has no "audio_config". Reads preprocessor_config.json
// when the folder has one. Throws Error(kFormatError) for broken files.
std::optional<AudioCheckpoint> OpenHfAudio(const HfCheckpoint& hf);

}  // namespace gemmakit
