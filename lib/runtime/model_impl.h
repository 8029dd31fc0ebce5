// What a gemmakit::Model holds.
#pragma once

#include <memory>

#include "gemmakit/model.h"
#include "io/checkpoint.h"
#include "model/gemma_decoder.h"
#include "model/model_config.h"
#include "model/weights.h"

namespace gemmakit {

struct Model::Impl {
  ModelConfig config;
  ModelWeights weights;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<GemmaDecoder> decoder;
  ModelInfo info;
};

}  // namespace gemmakit
