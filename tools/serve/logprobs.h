// Log-probabilities of a sampled token and of the most likely alternatives, from raw logits
// (the model's distribution before temperature and top-p, as OpenAI reports them).
#pragma once

#include <cstddef>
#include <cstdint>

#include "gemmakit.h"
#include "generation_request.h"

namespace gemmakit_serve {

TokenLogprob ComputeLogprobs(const gemmakit_model* model, const float* logits, size_t n_vocab, int32_t token,
                             int32_t top);

}  // namespace gemmakit_serve
