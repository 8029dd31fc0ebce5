// Opens whatever a user points at (today: a HuggingFace checkpoint folder) and returns it in the
// format-neutral form the model is built from: hyper-parameters, tensors under canonical names,
// and where the vocabulary is.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "io/audio_checkpoint.h"
#include "io/embedding_hparams.h"
#include "io/hparams.h"
#include "io/sampling_hparams.h"
#include "io/tensor_index.h"
#include "io/vision_checkpoint.h"

namespace gemmakit {

// Canonical tensor names are HuggingFace's text-model names without their prefix:
// "embed_tokens.weight", "layers.3.self_attn.q_proj.weight", "norm.weight", "lm_head.weight".
struct Checkpoint {
  std::string path;
  std::string format;  // "huggingface" or "gguf"
  HParams hparams;
  std::shared_ptr<const TensorIndex> tensors;
  // A fact of the file format, not of the architecture: GGUF files store Gemma 1–3's RMSNorm
  // weights with the 1 of (1 + w) already added (and Gemma 3n's, which have none, as they are).
  bool norms_include_one = false;
  std::string tokenizer_model_path;  // a SentencePiece model file; empty when none was found
  std::string tokenizer_json_path;   // HuggingFace's tokenizer.json; empty when none was found
  std::string tokenizer_proto;       // or a serialized SentencePiece model built from the file (GGUF)
  std::string chat_template;         // as the checkpoint carries it; may be empty
  std::string chat_template_source;  // where it came from: a file name, or the GGUF key
  std::optional<VisionCheckpoint> vision;  // multimodal checkpoints: the vision tower and projector
  std::optional<AudioCheckpoint> audio;    // Gemma 3n: the audio tower and embedder
  std::optional<EmbeddingHParams> embedding;  // a sentence-transformers folder: its pooling and dense head
  SamplingHParams sampling;                   // generation_config.json, GGUF general.sampling.*
};

// Throws Error: kIoError (missing files), kFormatError (corrupt ones), kUnsupported (a file type
// this build does not read).
Checkpoint OpenCheckpoint(const std::string& path);

}  // namespace gemmakit
