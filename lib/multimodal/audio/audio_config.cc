#include "multimodal/audio/audio_config.h"

#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

void Positive(int64_t v, const char* what) {
  if (v < 1 || v > (int64_t{1} << 24)) {
    Fail(Status::kFormatError, std::string("config.json: audio ") + what + " " + std::to_string(v) + " is out of range");
  }
}

}  // namespace

size_t AudioConvStage::OutFrames(size_t in_frames) const {
  const size_t padded = in_frames + static_cast<size_t>(pad_t_before + pad_t_after);
  if (padded < static_cast<size_t>(kernel_t)) return 0;
  return (padded - static_cast<size_t>(kernel_t)) / static_cast<size_t>(stride_t) + 1;
}

size_t AudioConfig::TokensForFrames(size_t frames) const {
  const size_t steps = conv[1].OutFrames(conv[0].OutFrames(frames));
  const size_t r = static_cast<size_t>(reduction);
  return (steps + r - 1) / r;
}

AudioConfig ResolveAudioConfig(const AudioHParams& hp) {
  AudioConfig c;
  Positive(hp.input_feat_size, "input_feat_size");
  Positive(hp.hidden_size, "hidden_size");
  Positive(hp.conf_num_attention_heads, "conf_num_attention_heads");
  Positive(hp.conf_num_hidden_layers, "conf_num_hidden_layers");
  Positive(hp.conf_attention_chunk_size, "conf_attention_chunk_size");
  Positive(hp.conf_conv_kernel_size, "conf_conv_kernel_size");
  Positive(hp.conf_reduction_factor, "conf_reduction_factor");
  Positive(hp.vocab_size, "vocab_size");
  Positive(hp.audio_soft_tokens_per_image, "audio_soft_tokens_per_image");
  Positive(hp.text_hidden_size, "text_config.hidden_size");
  if (hp.conf_attention_context_left < 0 || hp.conf_attention_context_right < 0 ||
      hp.conf_attention_context_left > 4096 || hp.conf_attention_context_right > 4096) {
    Fail(Status::kFormatError, "config.json: audio attention context is out of range");
  }
  // Gemma3nAudioSubSampleConvProjection builds exactly two blocks from these lists.
  if (hp.sscp_conv_channel_size.size() != 2 || hp.sscp_conv_kernel_size.size() != 2 || hp.sscp_conv_stride_size.size() != 2) {
    Fail(Status::kUnsupported, "config.json: the audio subsampler must have two convolutions (sscp_conv_* lists of 2)");
  }
  c.mel_bins = hp.input_feat_size;
  int64_t bins = c.mel_bins, channels = 1;
  for (size_t i = 0; i < 2; ++i) {
    AudioConvStage& s = c.conv[i];
    s.in_channels = channels;
    s.out_channels = hp.sscp_conv_channel_size[i];
    s.kernel_t = hp.sscp_conv_kernel_size[i][0];
    s.kernel_f = hp.sscp_conv_kernel_size[i][1];
    s.stride_t = hp.sscp_conv_stride_size[i][0];
    s.stride_f = hp.sscp_conv_stride_size[i][1];
    for (int64_t v : {s.out_channels, s.kernel_t, s.kernel_f, s.stride_t, s.stride_f}) Positive(v, "sscp_conv size");
    s.pad_t_before = 0;
    s.pad_t_after = s.kernel_t - 1;
    s.pad_f_before = 1;
    s.pad_f_after = 1;
    s.in_bins = bins;
    const int64_t padded = bins + s.pad_f_before + s.pad_f_after;
    if (padded < s.kernel_f) Fail(Status::kFormatError, "config.json: the audio subsampler's kernel is wider than its input");
    s.out_bins = (padded - s.kernel_f) / s.stride_f + 1;
    bins = s.out_bins;
    channels = s.out_channels;
    c.time_stride *= s.stride_t;
  }
  c.proj_in = channels * bins;
  c.group_norm_eps = static_cast<float>(hp.sscp_conv_group_norm_eps);

  c.hidden = hp.hidden_size;
  c.n_layers = hp.conf_num_hidden_layers;
  c.n_heads = hp.conf_num_attention_heads;
  if (c.hidden % c.n_heads != 0) Fail(Status::kFormatError, "config.json: audio hidden_size is not a multiple of the heads");
  // The relative position embedding is sin and cos of hidden / 2 timescales each.
  if (c.hidden % 2 != 0) Fail(Status::kFormatError, "config.json: audio hidden_size must be even");
  c.head_dim = c.hidden / c.n_heads;
  c.eps = static_cast<float>(hp.rms_norm_eps);
  c.clip = static_cast<float>(hp.gradient_clipping);
  c.residual_weight = static_cast<float>(hp.conf_residual_weight);
  c.ffw_hidden = 4 * c.hidden;
  c.chunk = hp.conf_attention_chunk_size;
  c.max_past = hp.conf_attention_context_left > 0 ? hp.conf_attention_context_left - 1 : 0;
  c.max_future = hp.conf_attention_context_right;
  c.context = c.chunk + c.max_past + c.max_future;
  c.logit_cap = static_cast<float>(hp.conf_attention_logit_cap);
  if (!(c.logit_cap > 0)) Fail(Status::kFormatError, "config.json: audio conf_attention_logit_cap must be positive");
  c.conv_kernel = hp.conf_conv_kernel_size;
  c.reduction = hp.conf_reduction_factor;

  c.text_hidden = hp.text_hidden_size;
  c.tokens_per_clip = hp.audio_soft_tokens_per_image;
  const double frames = static_cast<double>(c.tokens_per_clip) * static_cast<double>(c.reduction) *
                        static_cast<double>(c.time_stride);
  if (frames > static_cast<double>(int64_t{1} << 40)) {
    Fail(Status::kFormatError, "config.json: audio_soft_tokens_per_image × reduction × strides is out of range");
  }
  c.max_frames = c.tokens_per_clip * c.reduction * c.time_stride;
  c.vocab_size = hp.vocab_size;
  c.padding_row = hp.text_vocab_size - 1 - hp.vocab_offset;
  if (c.padding_row < 0 || c.padding_row >= c.vocab_size) {
    Fail(Status::kFormatError, "config.json: the audio padding id (text vocab_size - 1 = " + std::to_string(hp.text_vocab_size - 1) +
                                   ") is outside the audio vocabulary [" + std::to_string(hp.vocab_offset) + ", " +
                                   std::to_string(hp.vocab_offset + hp.vocab_size) + ")");
  }
  c.audio_token = static_cast<int32_t>(hp.audio_token_id);
  c.start_of_audio = static_cast<int32_t>(hp.boa_token_id);
  c.end_of_audio = static_cast<int32_t>(hp.eoa_token_id);
  return c;
}

}  // namespace gemmakit
