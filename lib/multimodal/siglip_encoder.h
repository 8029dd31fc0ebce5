// The SigLIP vision tower of Gemma 3: patch convolution (a GEMM over flattened patches), learned
// position embeddings, pre-LayerNorm blocks (biased q/k/v/out projections, bidirectional attention,
// tanh-GELU MLP) and a final LayerNorm. Every linear layer goes through MatMul.
#pragma once

#include <functional>
#include <vector>

#include "kernels/parallel.h"
#include "multimodal/vision_config.h"
#include "multimodal/vision_weights.h"

namespace gemmakit {

// Called with named intermediates ("patch_embed", "attn_out", "mlp_out", "post_ln", ...; layer -1
// outside the blocks) when set.
using VisionTap = std::function<void(const char* name, int layer, const float* data, size_t rows, size_t cols)>;

// pixels: [3][image_size][image_size]. Returns [n_patches, hidden]. `mm` is the model's matmul
// precision (bf16 activations for BF16 weights under Precision::kFast).
std::vector<float> EncodeSiglip(const VisionConfig& c, const VisionWeights& w, const float* pixels, Executor* ex,
                                const VisionTap* tap = nullptr, const MatMulOptions& mm = {});

// Gemma3MultiModalProjector: average-pools the patch grid to tokens_per_image, RMSNorm (1 + w),
// projects into the text model's hidden size. features: [n_patches, hidden]; returns
// [tokens_per_image, text_hidden].
std::vector<float> ProjectToSoftTokens(const VisionConfig& c, const VisionWeights& w, const float* features, Executor* ex);

}  // namespace gemmakit
