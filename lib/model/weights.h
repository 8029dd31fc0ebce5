// The model's weights, bound to tensors of a checkpoint by canonical name and checked against the
// configuration. Matrices are views into the memory-mapped file; only the small norm vectors are
// copied, to float32 with Gemma's "+1" folded in.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
#include "kernels/matmul/panels.h"
#include "model/model_config.h"

namespace gemmakit {

struct LayerWeights {
  MatrixView q_proj, k_proj, v_proj, o_proj;  // [q_dim, hidden], [kv_dim, hidden] ×2, [hidden, q_dim]
  MatrixView gate_proj, up_proj, down_proj;   // [intermediate, hidden] ×2, [hidden, intermediate]
  std::vector<float> input_norm;              // before attention
  std::vector<float> post_attn_norm;          // after attention (sandwich norms only)
  std::vector<float> pre_ffw_norm;            // before the feed-forward
  std::vector<float> post_ffw_norm;           // after the feed-forward (sandwich norms only)
  std::vector<float> q_norm, k_norm;          // [head_dim] (qk_norm only)
};

struct ModelWeights {
  MatrixView embed;    // [vocab, hidden]
  MatrixView lm_head;  // the embedding itself when tied
  std::vector<float> final_norm;
  std::vector<LayerWeights> layers;
  std::shared_ptr<const TensorIndex> storage;  // keeps the mapped files alive
  std::vector<std::vector<uint8_t>> owned;     // matrices converted at load (quantize-on-load)
  AlignedBytes packed;                         // matrices repacked at load (model/repack.h)
  size_t n_params = 0;
  int32_t file_type = -1;  // llama_ftype of the preset the matrices were quantized to; -1: none
};

// Throws Error(kFormatError) naming the tensor when one is missing or its shape disagrees with the
// config, Error(kUnsupported) for a weight type the kernels do not read.
ModelWeights BindWeights(const ModelConfig& config, std::shared_ptr<const TensorIndex> tensors);

}  // namespace gemmakit
