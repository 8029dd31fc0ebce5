// What an embedding model adds to its transformer, independent of the files that say it: how the
// token embeddings are pooled into one vector, the projections and normalisation after that, the
// named prompts put before a text, and how a text is framed by special tokens. sentence-transformers
// folders fill it (io/sentence_transformers.h); the model's embedding head runs it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/tensor_index.h"

namespace gemmakit {

enum class EmbeddingPooling : int32_t {
  kMean = 0,       // the mean over every token (prompt, <bos> and <eos> included)
  kCls = 1,        // the first token's
  kMax = 2,        // the largest value of each dimension
  kLastToken = 3,  // the last token's
};

// One step after pooling, in the order they run.
struct EmbeddingStage {
  enum Kind : int32_t { kDense = 0, kNormalize = 1 };
  Kind kind = kDense;
  // Dense: y = activation(W·x + b), W [out_features, in_features].
  int64_t in_features = 0, out_features = 0;
  bool tanh = false;        // the activation: tanh, else the identity
  std::string weight;       // tensor names in EmbeddingHParams::tensors
  std::string bias;         // "" without a bias
};

struct EmbeddingHParams {
  EmbeddingPooling pooling = EmbeddingPooling::kMean;
  int64_t pooling_dim = 0;  // the width pooling expects: the transformer's hidden size
  std::vector<EmbeddingStage> stages;
  std::vector<std::pair<std::string, std::string>> prompts;  // name → text put before the input text
  std::string default_prompt_name;  // used when the caller names none; "" for no prompt
  int64_t max_seq_length = 0;       // tokens a text is cut to, special tokens included; 0: no limit
  bool add_bos = true, add_eos = false;  // the tokenizer's framing of each text
  std::shared_ptr<const TensorIndex> tensors;
};

}  // namespace gemmakit
