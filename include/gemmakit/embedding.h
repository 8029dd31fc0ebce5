// Text embeddings from an embedding model (EmbeddingGemma as sentence-transformers publishes it):
// the named prompt and the text, framed by <bos> / <eos> as the tokenizer's config says, run
// through the encoder in one pass, pooled, projected and normalised by the model's embedding head,
// optionally cut to a Matryoshka width and renormalised.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gemmakit/model.h"

namespace gemmakit {

struct EmbedOptions {
  // A prompt of the model's config_sentence_transformers.json ("query", "document", "STS", ...),
  // put before each text. "": the model's default_prompt_name, or no prompt when it has none
  // (EmbeddingGemma has none).
  std::string prompt_name;
  size_t dim = 0;     // 0: the full width; else 1..full, the first dim values renormalised
  int n_threads = 0;  // 0: one per core
};

// What each stage gave for one text, for checks against a reference.
struct EmbeddingTrace {
  std::vector<int32_t> ids;
  std::vector<float> token_embeddings;  // [ids.size(), hidden]: the encoder's final norm
  std::vector<float> pooled;            // [hidden]
};

// Row i of the result ([texts.size(), dim]) embeds texts[i]. Texts longer than the model's
// max_seq_length are cut to it, as sentence-transformers does. Throws Error: kUnsupported for a
// model without an embedding head (no sentence-transformers modules), kInvalidArgument for an
// unknown prompt name or a dim out of range. traces, when given, receives one entry per text.
// Thread-safe: any number of calls may run at once on one Model.
std::vector<float> Embed(const Model& model, const std::vector<std::string>& texts, const EmbedOptions& options = {},
                         std::vector<EmbeddingTrace>* traces = nullptr);

// The full embedding width, 0 for a model that computes none.
size_t EmbeddingDim(const Model& model);
// The model's named prompts (name, text), in the file's order; empty for a model without them.
std::vector<std::pair<std::string, std::string>> EmbeddingPrompts(const Model& model);

}  // namespace gemmakit
