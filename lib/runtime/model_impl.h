// What a gemmakit::Model holds.
#pragma once

#include <memory>

#include "gemmakit/model.h"
#include "io/checkpoint.h"
#include "model/decoder.h"
#include "model/model_config.h"
#include "model/weights.h"
#include "multimodal/vision_model.h"
#include "tokenizer/chat_template_kind.h"

namespace gemmakit {

struct Model::Impl {
  ModelConfig config;
  std::vector<ConfigField> config_fields;  // how each value was resolved (ModelInfo::resolved_config)
  ModelWeights weights;
  std::unique_ptr<Tokenizer> tokenizer;
  ChatTemplateKind chat_template = ChatTemplateKind::kNone;  // see runtime/tokenizer_loader.h
  std::string chat_template_source;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<VisionModel> vision;  // multimodal checkpoints only
  std::string vision_error;             // why a checkpoint's vision tower did not load
  ModelInfo info;
};

}  // namespace gemmakit
