// The vision half of a HuggingFace Gemma 3 checkpoint: config.json's "vision_config" and top-level
// image fields, and preprocessor_config.json.
#pragma once

#include <optional>
#include <string>

#include "io/vision_hparams.h"

namespace gemmakit {

// nullopt when config.json has no "vision_config" (a text-only model). Throws Error(kFormatError)
// for a field of the wrong type.
std::optional<VisionHParams> ParseHfVisionConfig(const std::string& config_json);

// Throws Error(kFormatError) for text that is not a JSON object or a field of the wrong type or
// range; kUnsupported for a resampling filter other than bilinear.
ImageProcessorConfig ParsePreprocessorConfig(const std::string& json_text);

}  // namespace gemmakit
