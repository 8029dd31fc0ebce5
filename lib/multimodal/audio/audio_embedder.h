// Gemma3nMultimodalEmbedder for audio: soft tokens (encoder outputs) through soft_embedding_norm,
// hard token ids through the embedding table and hard_embedding_norm; both then projected to the
// text width and RMS-normalised without a scale.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/parallel.h"
#include "multimodal/audio/audio_config.h"
#include "multimodal/audio/audio_weights.h"

namespace gemmakit {

// x: [n, hidden] encoder outputs. Returns [n, text_hidden].
std::vector<float> EmbedAudioSoftTokens(const AudioConfig& c, const AudioWeights& w, const float* x, size_t n, Executor* ex,
                                        const MatMulOptions& mm = {});

// The embedding of the padding id (text vocab_size - 1, embedder row padding_row): what
// Gemma3nModel puts in place of masked soft tokens and after a clip's last one. [text_hidden].
std::vector<float> AudioPaddingEmbedding(const AudioConfig& c, const AudioWeights& w);

}  // namespace gemmakit
