// Quantize-on-load: converts the weight matrices of a bound model to another type, for users who
// have a HuggingFace bf16 checkpoint but want Q8_0 / Q4_0 speed without writing a GGUF first.
#pragma once

#include "kernels/parallel.h"
#include "model/quant_presets.h"
#include "model/weights.h"

namespace gemmakit {

// The type the token embedding (also the output projection when tied) gets for a target type:
// 4- and 5-bit targets keep it at Q8_0, as llama.cpp's quantizer does, since the output
// projection is the most sensitive matrix.
DType EmbeddingTypeFor(DType target);

// Converts every matrix whose type differs from the target (the embedding to
// EmbeddingTypeFor(target)) into memory the weights then own. Throws Error(kUnsupported) when a
// matrix's width is not a multiple of the target's block size.
void RequantizeWeights(ModelWeights& weights, DType target, Executor* ex);

// Converts every matrix to the type llama-quantize's preset gives it (quant_presets.h), and
// records the preset's llama_ftype in weights.file_type.
void RequantizeWeights(ModelWeights& weights, const QuantPreset& preset, const PresetModel& model, Executor* ex);

// Bytes a decode step reads: every layer matrix and the output projection.
size_t DecodeBytes(const ModelWeights& weights);

}  // namespace gemmakit
