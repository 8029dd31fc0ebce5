// Gemma 3n's embedding of ids past the text vocabulary. The vocabulary ends with two blocks of
// ids owned by the media embedders (Gemma3nMultimodalEmbedder): vision ids from
// vocab_size_per_layer_input, audio ids as the last block. Such an id (an <end_of_image>, an
// <end_of_audio>, or an id the model samples there) does not take its text-embedding row but the
// embedder's hard path: RMSNorm(table row) · hard_embedding_norm → projection → RMSNorm without a
// scale. Those rows depend on nothing else, so they are computed once at load (2 × 128 rows).
#pragma once

#include <cstdint>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
#include "model/model_config.h"

namespace gemmakit {

struct MultimodalIdRows {
  struct Block {
    int32_t first_id = 0;
    size_t n = 0;
    std::vector<float> rows;  // [n, hidden]
  };
  std::vector<Block> blocks;  // none when the checkpoint has no embedders (llama.cpp's text GGUF)
  size_t n_params = 0;

  // The row of `id`, or null for an id no embedder owns.
  const float* Find(int32_t id, size_t hidden) const;
};

// Reads "embed_vision.*" and "embed_audio.*" where the checkpoint has them. Throws
// Error(kFormatError) for embedder tensors of inconsistent shapes.
MultimodalIdRows BindMultimodalIdRows(const ModelConfig& c, const TensorIndex& tensors, const MatMulOptions& matmul);

}  // namespace gemmakit
