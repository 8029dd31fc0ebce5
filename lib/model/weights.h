// The model's weights, bound to tensors of a checkpoint by canonical name and checked against the
// configuration. Matrices are views into the memory-mapped file; only the small norm vectors are
// copied, to float32 with Gemma's "+1" folded in.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
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
  AlignedBytes relocated;                      // dense matrices copied out of the mapping (model/repack.h)
  size_t n_params = 0;
  int32_t file_type = -1;  // llama_ftype of the preset the matrices were quantized to; -1: none
};

// Throws Error(kFormatError) naming the tensor when one is missing or its shape disagrees with the
// config, Error(kUnsupported) for a weight type the kernels do not read.
// Looks tensors up by canonical name and checks them against the shapes the config implies; what
// every family's weight binding is written with.
class WeightBinder {
 public:
  // n_params, when given, adds up the elements of every tensor bound.
  WeightBinder(const ModelConfig& c, const TensorIndex& t, bool norms_include_one, size_t* n_params = nullptr)
      : tensors_(t), add_one_(c.norm_adds_one && !norms_include_one), n_params_(n_params) {}

  // `dims` names the config fields the expected shape comes from, for the error message.
  const TensorEntry& Get(const std::string& name, const std::vector<int64_t>& shape, const char* dims);
  MatrixView Matrix(const std::string& name, int64_t rows, int64_t cols, const char* dims);
  // An RMSNorm's scale as the kernels multiply by it: (1 + w) or w, whatever the file stores.
  std::vector<float> Norm(const std::string& name, int64_t dim, const char* dims = "hidden_size");
  // Values as stored, converted to float32 (small vectors and matrices, row-major).
  std::vector<float> Floats(const std::string& name, const std::vector<int64_t>& shape, const char* dims);

  static std::string ShapeString(const std::vector<int64_t>& s);

 private:
  const TensorIndex& tensors_;
  bool add_one_;
  size_t* n_params_;
};

// norms_include_one: the file stores (1 + w) where the architecture's norms scale by (1 + w)
// (Checkpoint::norms_include_one). A stored lm_head.weight is ignored when the config ties the
// embeddings, as transformers ties it.
ModelWeights BindWeights(const ModelConfig& config, std::shared_ptr<const TensorIndex> tensors, bool norms_include_one);

}  // namespace gemmakit
