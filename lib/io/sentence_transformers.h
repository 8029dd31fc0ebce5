// A sentence-transformers model folder as published (EmbeddingGemma's layout): modules.json lists
// the Transformer at the folder's root, then Pooling (1_Pooling/config.json), Dense modules
// (N_Dense/config.json + model.safetensors holding linear.weight and, with a bias, linear.bias)
// and Normalize (no files); config_sentence_transformers.json names the prompts,
// sentence_bert_config.json the longest input, tokenizer_config.json whether <bos> / <eos> frame
// each text. Dense tensors are named "<module folder>.linear.weight" in the result.
#pragma once

#include <optional>
#include <string>

#include "io/embedding_hparams.h"

namespace gemmakit {

// nullopt for a folder without modules.json. Throws Error(kFormatError) for broken or
// inconsistent files, Error(kIoError) for a module's missing files, Error(kUnsupported) for a
// module, pooling mode or activation gemmakit does not run (naming it).
std::optional<EmbeddingHParams> OpenSentenceTransformers(const std::string& dir);

}  // namespace gemmakit
