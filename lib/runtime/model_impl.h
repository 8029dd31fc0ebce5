// What a gemmakit::Model holds.
#pragma once

#include <memory>
#include <mutex>

#include "gemmakit/model.h"
#include "io/checkpoint.h"
#include "model/decoder.h"
#include "model/embedding_head.h"
#include "model/model_config.h"
#include "model/weights.h"
#include "multimodal/audio/audio_encoder.h"
#include "multimodal/media_encoder.h"
#include "multimodal/mobilenet_v5/mobilenet_encoder.h"
#include "multimodal/vision_model.h"
#include "tokenizer/chat_template_kind.h"

namespace gemmakit {
namespace grammar {
class TokenTrie;
}

struct Model::Impl {
  ModelConfig config;
  std::vector<ConfigField> config_fields;  // how each value was resolved (ModelInfo::resolved_config)
  ModelWeights weights;
  std::unique_ptr<Tokenizer> tokenizer;
  ChatTemplateKind chat_template = ChatTemplateKind::kNone;  // see runtime/tokenizer_loader.h
  std::string chat_template_source;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<VisionModel> vision;  // multimodal Gemma 3 checkpoints: SigLIP
  std::unique_ptr<MobileNetEncoder> mobilenet;  // Gemma 3n checkpoints with a vision tower
  std::string vision_error;             // why a checkpoint's vision tower did not load
  std::unique_ptr<AudioEncoder> audio;  // Gemma 3n checkpoints with an audio tower
  std::string audio_error;
  // One per kind of media the model reads, over the towers above; sessions see only these.
  std::vector<std::unique_ptr<MediaEncoder>> media;
  // An embedding model (a sentence-transformers folder): its head, and what frames its inputs
  // (prompts, <bos> / <eos>, the longest input).
  std::unique_ptr<EmbeddingHead> embedding_head;
  EmbeddingHParams embedding;
  SamplingHParams sampling;  // as the checkpoint states it, for ModelInfo and the GGUF export
  // The encoder of `kind`; Error(kUnsupported) for a model without one, or Error(kFormatError)
  // naming why its tower did not load.
  const MediaEncoder& Encoder(MediaKind kind) const;
  ModelInfo info;
  // Every token's bytes as a trie, for constrained decoding: built by the first session that
  // needs it (runtime/sampling_constraints.h, ModelTokenTrie), then shared.
  mutable std::once_flag token_trie_once;
  mutable std::shared_ptr<const grammar::TokenTrie> token_trie;
};

}  // namespace gemmakit
