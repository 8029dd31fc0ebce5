// Gemma3nAudioConformerBlock, in the reference's order:
//   x = x + ½ · FFW(x)                      ffw_layer_start (macaron half step)
//   x = x + post_norm(post(Attn(norm(x))))  attention
//   x = x · valid                           invalid steps zeroed before the convolution
//   x = x + LightConv(x)                    lconv1d: norm, linear_start, GLU, causal depthwise
//                                           conv, norm, SiLU, linear_end
//   x = x + ½ · FFW(x)                      ffw_layer_end
//   x = norm(x)
// with activations clamped to ±gradient_clipping where the reference clamps them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/parallel.h"
#include "multimodal/audio/audio_config.h"
#include "multimodal/audio/audio_tap.h"
#include "multimodal/audio/audio_weights.h"

namespace gemmakit {

// x: [steps, hidden], updated in place; valid: [steps]. The tap, when set, sees x after each
// stage: "ffw_start", "attention", "lconv", "ffw_end" (the block's output follows as "conformer").
void ConformerBlock(const AudioConfig& c, const ConformerLayerWeights& l, float* x, const uint8_t* valid, size_t steps,
                    Executor* ex, const MatMulOptions& mm = {}, const AudioTap* tap = nullptr, int layer = -1);

}  // namespace gemmakit
