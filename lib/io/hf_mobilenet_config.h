// The vision half of a HuggingFace Gemma 3n checkpoint: config.json's "vision_config" (model_type
// "gemma3n_vision"), its model_args in timm's keyword form, and the top-level image fields.
#pragma once

#include <optional>
#include <string>

#include "io/mobilenet_hparams.h"

namespace gemmakit {

// nullopt when config.json has no Gemma 3n vision_config (none, or a SigLIP one). Throws
// Error(kFormatError) for a field of the wrong type, Error(kUnsupported) for a model_args key or
// block-argument key gemmakit does not know.
std::optional<MobileNetHParams> ParseHfMobileNetConfig(const std::string& config_json);

}  // namespace gemmakit
