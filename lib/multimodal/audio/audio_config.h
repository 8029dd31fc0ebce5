// The audio side of a Gemma 3n model, resolved and checked: the shapes of the subsampling
// convolutions, of the conformer and of its chunked local attention, the embedder's padding token
// and the ids that frame a clip in the token stream. Every size comes from the checkpoint
// (io/audio_hparams.h); what transformers' Gemma3nAudioEncoder fixes in code is fixed here too.
#pragma once

#include <cstddef>
#include <cstdint>

#include "io/audio_hparams.h"

namespace gemmakit {

// One Conv2d block of the subsampler, over [time, frequency] with channels last. Time is padded
// reverse-causally (kernel - 1 rows after the clip), frequency by one bin on each side.
struct AudioConvStage {
  int64_t in_channels = 0, out_channels = 0;
  int64_t kernel_t = 0, kernel_f = 0, stride_t = 0, stride_f = 0;
  int64_t pad_t_before = 0, pad_t_after = 0, pad_f_before = 0, pad_f_after = 0;
  int64_t in_bins = 0, out_bins = 0;

  size_t OutFrames(size_t in_frames) const;
};

struct AudioConfig {
  int64_t mel_bins = 0;
  AudioConvStage conv[2];
  float group_norm_eps = 1e-3f;
  int64_t proj_in = 0;        // channels × bins after the second convolution
  int64_t time_stride = 1;    // of both convolutions together: mel frames per encoder step

  int64_t hidden = 0, n_layers = 0, n_heads = 0, head_dim = 0;
  float eps = 1e-6f;          // rms_norm_eps: the light convolution's norms and the embedder's
  float clip = 1e10f;         // gradient_clipping: activations are clamped to ±clip at each sub-block
  float residual_weight = 0.5f;
  int64_t ffw_hidden = 0;     // 4 × hidden
  int64_t chunk = 0;          // query block
  int64_t max_past = 0;       // context_left - 1 steps of left context
  int64_t max_future = 0;     // context_right
  int64_t context = 0;        // keys per block: chunk + max_past + max_future
  float logit_cap = 50.f;
  int64_t conv_kernel = 0;    // the light convolution's causal depthwise kernel
  int64_t reduction = 1;      // every reduction-th encoder step becomes a soft token

  int64_t text_hidden = 0;
  int64_t tokens_per_clip = 0;  // audio_soft_tokens_per_image
  // The most mel frames a clip may have: each convolution pads time by kernel - 1, so it keeps
  // ceil(frames / stride) steps, and tokens_per_clip tokens hold this many frames.
  int64_t max_frames = 0;       // tokens_per_clip · reduction · time_stride
  int64_t vocab_size = 0;
  int64_t padding_row = 0;      // the embedder row that pads a clip: text vocab_size - 1 - vocab_offset
  int32_t audio_token = -1, start_of_audio = -1, end_of_audio = -1;

  // Soft tokens the encoder makes from `frames` mel frames, before padding to tokens_per_clip.
  size_t TokensForFrames(size_t frames) const;
};

// transformers' Gemma3nRMSNorm default, used where the reference does not pass rms_norm_eps.
constexpr float kAudioDefaultNormEps = 1e-6f;

// Throws Error(kFormatError) for impossible shapes (heads that do not divide the width, an odd
// width, non-positive sizes, a padding row outside the audio vocabulary), Error(kUnsupported) for
// other than two subsampling convolutions.
AudioConfig ResolveAudioConfig(const AudioHParams& hp);

}  // namespace gemmakit
