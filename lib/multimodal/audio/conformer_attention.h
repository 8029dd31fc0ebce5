// Gemma3nAudioAttention: chunked local self-attention. The sequence is cut into blocks of `chunk`
// queries; each block sees `context` keys, from max_past steps before it to max_future after it,
// and a query at offset w of its block attends to keys at offsets w .. w + max_past + max_future
// of that context (its own step and max_past before it, when max_future is 0). Queries are scaled
// per dimension (head_dim^-0.5 · softplus(per_dim_scale) / softplus(0)); logits add a relative
// position term (queries against projected sinusoids of the distance, Transformer-XL style), are
// soft-capped, and keys that are padding or invalid frames are masked out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/parallel.h"
#include "multimodal/audio/audio_config.h"
#include "multimodal/audio/audio_weights.h"

namespace gemmakit {

// x: [steps, hidden], already normed; valid: [steps], nonzero for real audio. out: [steps, hidden]
// in (head, head_dim) order, before the post projection.
void ConformerAttention(const AudioConfig& c, const ConformerLayerWeights& l, const float* x, const uint8_t* valid,
                        size_t steps, float* out, Executor* ex, const MatMulOptions& mm = {});

// The sinusoids of relative distances max_past, max_past - 1, ..., -max_future: [max_past +
// max_future + 1, hidden], sin of hidden / 2 timescales (1 … 10⁴) then cos, before pos_proj.
std::vector<float> RelativePositionTimings(const AudioConfig& c);

}  // namespace gemmakit
