// Gemma 3n's per-layer inputs (PLE): every layer gets its own small embedding of each token, from
// a table of [per_layer_vocab, layers × width] rows that stays on disk (one row read per token:
// why E2B runs in the memory of a 2B model) plus a projection of the token's main embedding. After
// each layer, the active stream gates that layer's slice and the result is added to the other
// AltUp streams.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "model/gemma3n/gemma3n_weights.h"
#include "model/model_config.h"

namespace gemmakit {

// out [n, layers, width] = (RMSNorm(per_layer_model_projection(x0) · hidden^-0.5) +
// table[token] · sqrt(width)) · 2^-0.5, with x0 the tokens' scaled main embeddings. Tokens past
// the table (image and audio ids) take row 0.
void PerLayerInputs(const Gemma3nWeights& w, const ModelConfig& c, const int32_t* tokens, const float* x0, size_t n,
                    float* out, Executor* ex, const MatMulOptions& mm);

// streams[1..inputs-1] += RMSNorm(projection(gelu(gate(first)) · inputs_of_layer)), where
// inputs_of_layer is layer `layer`'s slice of PerLayerInputs' output.
void AddPerLayerInput(const PerLayerInputWeights& w, const ModelConfig& c, size_t layer, const float* first,
                      const float* per_layer_inputs, size_t n, float* streams, Executor* ex, const MatMulOptions& mm);

}  // namespace gemmakit
