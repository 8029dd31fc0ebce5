// The audio half of a HuggingFace Gemma 3n checkpoint: config.json's "audio_config", the top-level
// audio fields and the two text_config fields the audio embedder depends on.
#pragma once

#include <optional>
#include <string>

#include "io/audio_hparams.h"

namespace gemmakit {

// nullopt when config.json has no "audio_config" (a model without an audio tower). Throws
// Error(kFormatError) for a field of the wrong type or shape.
std::optional<AudioHParams> ParseHfAudioConfig(const std::string& config_json);

}  // namespace gemmakit
