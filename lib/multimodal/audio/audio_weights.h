// Gemma 3n's audio tower and audio embedder weights, bound by canonical name
// (io/audio_checkpoint.h) and checked against the AudioConfig. Linear and convolution weights
// are views into the mapped file (a Conv2d weight [out, in, kt, kf] read as [out, in·kt·kf]);
// norms, the depthwise kernels and the embedder's padding row are copied to float32.
#pragma once

#include <memory>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
#include "multimodal/audio/audio_config.h"
#include "multimodal/gemma3n_embedder.h"

namespace gemmakit {

// Gemma3nAudioConformerFeedForward: pre norm, up (hidden → 4·hidden), SiLU, down, post norm.
struct AudioFfwWeights {
  std::vector<float> pre_norm, post_norm;
  MatrixView up, down;
};

struct ConformerLayerWeights {
  AudioFfwWeights ffw_start, ffw_end;
  // Gemma3nAudioConformerAttention
  std::vector<float> attn_pre_norm, attn_post_norm;
  MatrixView q, k, v, pos_proj, post;  // [hidden, hidden]
  std::vector<float> per_dim_scale;    // [head_dim], before softplus
  // Gemma3nAudioConformerLightConv1d
  std::vector<float> lconv_pre_norm, conv_norm;
  MatrixView linear_start;             // [2·hidden, hidden]
  std::vector<float> depthwise;        // [hidden][conv_kernel]
  MatrixView linear_end;               // [hidden, hidden]
  std::vector<float> norm;             // the block's final norm
};

struct AudioWeights {
  MatrixView conv[2];                  // [out, in·kt·kf]
  std::vector<float> conv_norm[2];     // cumulative group norm scales [out]
  MatrixView input_proj;               // [hidden, proj_in]
  std::vector<ConformerLayerWeights> layers;
  Gemma3nEmbedderWeights embedder;
  std::vector<float> padding_row;      // embedding row padding_row [hidden]
  std::shared_ptr<const TensorIndex> storage;
  size_t n_params = 0;
};

// Throws Error(kFormatError) naming a missing or mis-shaped tensor, Error(kUnsupported) for a
// weight type the kernels do not read.
AudioWeights BindAudioWeights(const AudioConfig& c, std::shared_ptr<const TensorIndex> tensors);

}  // namespace gemmakit
