// Gemma 3n's tensors beyond the attention and feed-forward every Gemma layer has
// (model/weights.h): AltUp's router and coefficients, LAuReL, per-layer inputs and the stream
// projections around the stack. Small vectors and coefficient matrices are float32 copies; the
// per-layer embedding table stays a view into the mapped file, read one row per token.
#pragma once

#include <memory>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
#include "model/gemma3n/multimodal_ids.h"
#include "model/model_config.h"

namespace gemmakit {

struct AltUpWeights {
  std::vector<float> router_norm;           // [hidden]
  std::vector<float> modality_router;       // [inputs, hidden]
  std::vector<float> prediction_coefs;      // [inputs², inputs]
  std::vector<float> correction_coefs;      // [inputs, inputs], clamped to ±altup_coef_clip
  std::vector<float> correct_output_scale;  // [hidden]
};

struct LaurelWeights {
  MatrixView left;   // [rank, hidden]
  MatrixView right;  // [hidden, rank]
  std::vector<float> post_norm;
};

struct PerLayerInputWeights {
  MatrixView gate;        // [per_layer_width, hidden]
  MatrixView projection;  // [hidden, per_layer_width]
  std::vector<float> post_norm;
};

struct Gemma3nLayerWeights {
  AltUpWeights altup;
  LaurelWeights laurel;
  PerLayerInputWeights per_layer_input;
};

struct Gemma3nWeights {
  std::vector<MatrixView> altup_projections;          // [hidden, hidden] × (inputs - 1)
  std::vector<MatrixView> altup_unembed_projections;  // the same
  MatrixView per_layer_embed;                         // [per_layer_vocab, layers × per_layer_width]
  MatrixView per_layer_model_projection;              // [layers × per_layer_width, hidden]
  std::vector<float> per_layer_projection_norm;       // [per_layer_width]
  std::vector<Gemma3nLayerWeights> layers;
  MultimodalIdRows media_ids;  // rows of the ids the media embedders own
  std::shared_ptr<const TensorIndex> storage;
  size_t n_params = 0;
};

Gemma3nWeights BindGemma3nWeights(const ModelConfig& c, std::shared_ptr<const TensorIndex> tensors,
                                  bool norms_include_one, const MatMulOptions& matmul = {});

}  // namespace gemmakit
