// Gemma3nMultimodalEmbedder, shared by Gemma 3n's audio and vision towers: a tower's outputs (soft
// tokens) pass soft_embedding_norm, then embedding_projection to the text width and an RMSNorm
// without a scale; embedder-table rows (hard tokens) take hard_embedding_norm instead of the
// soft norm. (The hard ids the text model samples are embedded by model/gemma3n/multimodal_ids.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "multimodal/tower_binder.h"

namespace gemmakit {

struct Gemma3nEmbedderWeights {
  std::vector<float> soft_norm, hard_norm;  // [hidden], used as stored (no 1 +)
  MatrixView projection;                    // [text_hidden, hidden]
};

// prefix: "embed_audio." or "embed_vision.". Throws as TowerBinder.
Gemma3nEmbedderWeights BindGemma3nEmbedder(TowerBinder& b, const std::string& prefix, int64_t hidden, int64_t text_hidden);

// x: [n, hidden] tower outputs. Returns [n, text_hidden].
std::vector<float> EmbedSoftTokens(const Gemma3nEmbedderWeights& w, float eps, const float* x, size_t n, Executor* ex,
                                   const MatMulOptions& mm);

// Rows already through their norm, projected and normalised: [n, hidden] → [n, text_hidden].
std::vector<float> ProjectAndNormalize(const Gemma3nEmbedderWeights& w, float eps, const float* normed, size_t n, Executor* ex,
                                       const MatMulOptions& mm);

}  // namespace gemmakit
