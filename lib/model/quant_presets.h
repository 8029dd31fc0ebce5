// llama-quantize's presets (llama_ftype: Q4_K_M, Q2_K, IQ4_XS, ...) and its per-tensor choices
// (llama_tensor_get_type in llama.cpp's src/llama-quant.cpp, without an importance matrix), so
// `gemmakit quantize` writes the tensor types llama-quantize writes from the same weights.
#pragma once

#include <cstdint>
#include <string>

#include "kernels/dtype.h"

namespace gemmakit {

struct QuantPreset {
  const char* name;    // as llama-quantize spells it, lower case: "q4_k_m"
  DType base;          // the type most matrices get
  uint32_t file_type;  // llama_ftype, written as general.file_type
};

// Null for a name that is not a preset (case-insensitive).
const QuantPreset* FindQuantPreset(const std::string& name);

// What a weight matrix is for, as llama-quantize's tensor categories.
enum class MatrixRole { kTokenEmbedding, kOutput, kAttnQ, kAttnK, kAttnV, kAttnOutput, kFfnGate, kFfnUp, kFfnDown };

struct PresetModel {
  int n_layers = 0;
  int n_gqa = 1;              // query heads per KV head
  bool tied_embeddings = true;
};

// The type llama-quantize gives the matrix of `role` in layer `layer` (ignored for embeddings)
// whose rows hold `cols` values: the preset's mix rules, then its fallback to a 32-element type
// when cols is not a multiple of the chosen type's block (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0,
// Q2_K / Q3_K → Q4_0, IQ4_XS → IQ4_NL; F16 when not even that fits).
DType PresetMatrixType(const QuantPreset& preset, MatrixRole role, int layer, size_t cols, const PresetModel& model);

}  // namespace gemmakit
