// A HuggingFace checkpoint folder as published: config.json, model.safetensors or shards named by
// model.safetensors.index.json, tokenizer.model and/or tokenizer.json, and the chat template.
#pragma once

#include <string>

#include "io/tensor_index.h"

namespace gemmakit {

struct HfCheckpoint {
  std::string dir;
  std::string config_json;           // the text of config.json
  TensorIndex tensors;               // names exactly as stored in the files
  std::string tokenizer_model_path;  // empty when the folder has no tokenizer.model
  std::string tokenizer_json_path;   // empty when the folder has no tokenizer.json
  std::string chat_template;         // empty when the folder has none (io/hf_chat_template.h)
  std::string chat_template_source;  // the file it came from
};

// Throws Error(kIoError) when the folder or a file it names is missing, Error(kFormatError) when
// the index is not valid JSON, names a shard outside the folder, or a tensor it lists is missing
// from its shard.
HfCheckpoint OpenHfCheckpoint(const std::string& dir);

}  // namespace gemmakit
