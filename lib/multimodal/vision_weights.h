// The SigLIP tower's and the projector's weights, bound by canonical name (io/vision_checkpoint.h)
// and checked against the VisionConfig. Linear weights are views into the mapped file; vectors
// (biases, norms, position embeddings) are copied to float32.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
#include "multimodal/vision_config.h"

namespace gemmakit {

struct SiglipLayerWeights {
  std::vector<float> ln1_w, ln1_b, ln2_w, ln2_b;
  MatrixView q, k, v, o;  // [hidden, hidden]
  std::vector<float> q_b, k_b, v_b, o_b;
  MatrixView fc1, fc2;    // [intermediate, hidden], [hidden, intermediate]
  std::vector<float> fc1_b, fc2_b;
};

struct VisionWeights {
  MatrixView patch;                 // the patch convolution as [hidden, 3 * patch * patch]
  std::vector<float> patch_b;
  std::vector<float> position;      // [n_patches, hidden]
  std::vector<SiglipLayerWeights> layers;
  std::vector<float> post_ln_w, post_ln_b;
  std::vector<float> soft_norm;     // the projector's RMSNorm scale, 1 + w
  MatrixView projection;            // [text_hidden, hidden]: mm_input_projection_weight transposed
  std::vector<std::vector<uint8_t>> owned;  // the transposed projection
  std::shared_ptr<const TensorIndex> storage;
  size_t n_params = 0;
};

// soft_norm_includes_one: GGUF files store the projector's norm with the 1 already added.
// Throws Error(kFormatError) naming a missing or mis-shaped tensor, Error(kUnsupported) for a
// weight type the kernels do not read.
VisionWeights BindVisionWeights(const VisionConfig& c, std::shared_ptr<const TensorIndex> tensors,
                                bool soft_norm_includes_one);

}  // namespace gemmakit
