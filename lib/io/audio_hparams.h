// What a Gemma 3n checkpoint says about its audio side, independent of the file format: the audio
// tower's shape (config.json's "audio_config", Gemma3nAudioConfig), the audio embedder's vocabulary,
// how many soft tokens a clip takes in the token stream and the ids around them. Absent fields keep
// transformers' defaults (the E2B/E4B values).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace gemmakit {

struct AudioHParams {
  // Gemma3nAudioConfig
  int64_t vocab_size = 128;
  int64_t vocab_offset = 262144 + 128;
  int64_t input_feat_size = 128;
  int64_t hidden_size = 1536;
  double rms_norm_eps = 1e-6;
  double gradient_clipping = 1e10;
  int64_t conf_attention_chunk_size = 12;
  int64_t conf_attention_context_left = 13;
  int64_t conf_attention_context_right = 0;
  double conf_attention_logit_cap = 50.0;
  int64_t conf_num_attention_heads = 8;
  int64_t conf_num_hidden_layers = 12;
  int64_t conf_conv_kernel_size = 5;
  int64_t conf_reduction_factor = 4;
  double conf_residual_weight = 0.5;
  std::vector<int64_t> sscp_conv_channel_size = {128, 32};
  double sscp_conv_group_norm_eps = 1e-3;
  // (time, frequency) per convolution
  std::vector<std::array<int64_t, 2>> sscp_conv_kernel_size = {{3, 3}, {3, 3}};
  std::vector<std::array<int64_t, 2>> sscp_conv_stride_size = {{2, 2}, {2, 2}};
  // Gemma3nConfig's top level
  int64_t audio_soft_tokens_per_image = 188;
  int64_t boa_token_id = 256000;
  int64_t eoa_token_id = 262272;
  int64_t audio_token_id = 262273;
  // Gemma3nTextConfig: the width soft tokens are projected to, and the vocabulary whose last id
  // pads a clip's soft tokens (Gemma3nModel embeds text vocab_size - 1 with the audio embedder).
  int64_t text_hidden_size = 2048;
  int64_t text_vocab_size = 262400;
};

}  // namespace gemmakit
