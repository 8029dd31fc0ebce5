// config.json of a HuggingFace checkpoint → HParams. Multimodal Gemma 3 configs (model_type
// "gemma3") nest the text model's fields under "text_config".
#pragma once

#include <string>

#include "io/hparams.h"

namespace gemmakit {

// Throws Error(kFormatError) for text that is not a JSON object or a field of the wrong type.
HParams ParseHfConfig(const std::string& config_json);

}  // namespace gemmakit
