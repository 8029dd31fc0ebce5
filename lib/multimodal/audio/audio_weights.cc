#include "multimodal/audio/audio_weights.h"

#include <algorithm>
#include <string>

#include "multimodal/tower_binder.h"

namespace gemmakit {
namespace {

AudioFfwWeights BindFfw(TowerBinder& b, const std::string& pre, int64_t d, int64_t ff) {
  AudioFfwWeights f;
  f.pre_norm = b.Vector(pre + "pre_layer_norm.weight", {d});
  f.up = b.Linear(pre + "ffw_layer_1.weight", ff, d);
  f.down = b.Linear(pre + "ffw_layer_2.weight", d, ff);
  f.post_norm = b.Vector(pre + "post_layer_norm.weight", {d});
  return f;
}

}  // namespace

AudioWeights BindAudioWeights(const AudioConfig& c, std::shared_ptr<const TensorIndex> tensors) {
  AudioWeights w;
  TowerBinder b(*tensors, "audio", w.n_params);
  for (size_t i = 0; i < 2; ++i) {
    const AudioConvStage& s = c.conv[i];
    const std::string pre = "audio.subsample_conv_projection.conv_" + std::to_string(i) + ".";
    w.conv[i] = b.Matrix(pre + "conv.weight", {s.out_channels, s.in_channels, s.kernel_t, s.kernel_f}, s.out_channels,
                         s.in_channels * s.kernel_t * s.kernel_f);
    w.conv_norm[i] = b.Vector(pre + "norm.weight", {s.out_channels});
  }
  const int64_t d = c.hidden;
  w.input_proj = b.Linear("audio.subsample_conv_projection.input_proj_linear.weight", d, c.proj_in);
  w.layers.resize(static_cast<size_t>(c.n_layers));
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const std::string pre = "audio.conformer." + std::to_string(i) + ".";
    ConformerLayerWeights& l = w.layers[i];
    l.ffw_start = BindFfw(b, pre + "ffw_layer_start.", d, c.ffw_hidden);
    l.attn_pre_norm = b.Vector(pre + "attention.pre_attn_norm.weight", {d});
    l.q = b.Linear(pre + "attention.attn.q_proj.weight", d, d);
    l.k = b.Linear(pre + "attention.attn.k_proj.weight", d, d);
    l.v = b.Linear(pre + "attention.attn.v_proj.weight", d, d);
    l.per_dim_scale = b.Vector(pre + "attention.attn.per_dim_scale", {c.head_dim});
    l.pos_proj = b.Linear(pre + "attention.attn.relative_position_embedding.pos_proj.weight", d, d);
    l.post = b.Linear(pre + "attention.post.weight", d, d);
    l.attn_post_norm = b.Vector(pre + "attention.post_norm.weight", {d});
    l.lconv_pre_norm = b.Vector(pre + "lconv1d.pre_layer_norm.weight", {d});
    l.linear_start = b.Linear(pre + "lconv1d.linear_start.weight", 2 * d, d);
    l.depthwise = b.Vector(pre + "lconv1d.depthwise_conv1d.weight", {d, 1, c.conv_kernel});
    l.conv_norm = b.Vector(pre + "lconv1d.conv_norm.weight", {d});
    l.linear_end = b.Linear(pre + "lconv1d.linear_end.weight", d, d);
    l.ffw_end = BindFfw(b, pre + "ffw_layer_end.", d, c.ffw_hidden);
    l.norm = b.Vector(pre + "norm.weight", {d});
  }
  w.embedder = BindGemma3nEmbedder(b, "embed_audio.", d, c.text_hidden);
  // Only the padding row is ever looked up: soft tokens bypass the table.
  const MatrixView table = b.Linear("embed_audio.embedding.weight", c.vocab_size, d);
  w.padding_row.resize(static_cast<size_t>(d));
  table.RowToF32(static_cast<size_t>(c.padding_row), w.padding_row.data());
  w.storage = std::move(tensors);
  return w;
}

}  // namespace gemmakit
