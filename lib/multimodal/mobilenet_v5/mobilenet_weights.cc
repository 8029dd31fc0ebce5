#include "multimodal/mobilenet_v5/mobilenet_weights.h"

#include <string>

#include "kernels/conv/conv.h"
#include "multimodal/tower_binder.h"

namespace gemmakit {
namespace {

MatrixView Conv(TowerBinder& b, const std::string& name, int64_t out, int64_t in, int64_t k) {
  return b.Matrix(name, {out, in, k, k}, out, in * k * k);
}

DepthwiseNorm Depthwise(TowerBinder& b, const std::string& conv, const std::string& norm, int64_t ch, int64_t k) {
  DepthwiseNorm d;
  const std::vector<float> w = b.Vector(conv, {ch, 1, k, k});
  d.taps.resize(w.size());
  DepthwiseTapsMajor(w.data(), static_cast<size_t>(ch), static_cast<size_t>(k), d.taps.data());
  d.norm = b.Vector(norm, {ch});
  return d;
}

MobileNetBlockWeights BindBlock(TowerBinder& b, const MobileNetBlock& k) {
  const std::string p = "mobilenet." + k.name + ".";
  MobileNetBlockWeights w;
  switch (k.kind) {
    case MobileNetBlockKind::kEdgeResidual:
      w.expand = Conv(b, p + "conv_exp.weight", k.mid_ch, k.in_ch, k.kernel);
      w.expand_norm = b.Vector(p + "bn1.weight", {k.mid_ch});
      w.project = Conv(b, p + "conv_pwl.weight", k.out_ch, k.mid_ch, 1);
      w.project_norm = b.Vector(p + "bn2.weight", {k.out_ch});
      break;
    case MobileNetBlockKind::kInvertedResidual:
      if (k.dw_start) w.dw_start = Depthwise(b, p + "dw_start.conv.weight", p + "dw_start.bn.weight", k.in_ch, k.dw_start);
      w.expand = Conv(b, p + "pw_exp.conv.weight", k.mid_ch, k.in_ch, 1);
      w.expand_norm = b.Vector(p + "pw_exp.bn.weight", {k.mid_ch});
      if (k.dw_mid) w.dw_mid = Depthwise(b, p + "dw_mid.conv.weight", p + "dw_mid.bn.weight", k.mid_ch, k.dw_mid);
      w.project = Conv(b, p + "pw_proj.conv.weight", k.out_ch, k.mid_ch, 1);
      w.project_norm = b.Vector(p + "pw_proj.bn.weight", {k.out_ch});
      if (k.dw_end) w.dw_end = Depthwise(b, p + "dw_end.conv.weight", p + "dw_end.bn.weight", k.out_ch, k.dw_end);
      break;
    case MobileNetBlockKind::kAttention: {
      const std::string a = p + "attn.";
      w.norm = b.Vector(p + "norm.weight", {k.in_ch});
      w.query = Conv(b, a + "query.proj.weight", k.num_heads * k.key_dim, k.in_ch, 1);
      if (k.kv_stride > 1) {
        w.key_down = Depthwise(b, a + "key.down_conv.weight", a + "key.norm.weight", k.in_ch, k.kv_kernel);
        w.value_down = Depthwise(b, a + "value.down_conv.weight", a + "value.norm.weight", k.in_ch, k.kv_kernel);
      }
      w.key = Conv(b, a + "key.proj.weight", k.key_dim, k.in_ch, 1);
      w.value = Conv(b, a + "value.proj.weight", k.value_dim, k.in_ch, 1);
      w.output = Conv(b, a + "output.proj.weight", k.out_ch, k.num_heads * k.value_dim, 1);
      break;
    }
  }
  if (k.layer_scale) w.layer_scale = b.Vector(p + "layer_scale.gamma", {k.out_ch});
  return w;
}

}  // namespace

MobileNetWeights BindMobileNetWeights(const MobileNetConfig& c, std::shared_ptr<const TensorIndex> tensors) {
  MobileNetWeights w;
  TowerBinder b(*tensors, "vision", w.n_params);
  w.stem = Conv(b, "mobilenet.conv_stem.conv.weight", c.stem_ch, 3, 3);
  w.stem_bias = b.Vector("mobilenet.conv_stem.conv.bias", {c.stem_ch});
  w.stem_norm = b.Vector("mobilenet.conv_stem.bn.weight", {c.stem_ch});
  for (const auto& stage : c.stages) {
    w.stages.emplace_back();
    for (const MobileNetBlock& k : stage) w.stages.back().push_back(BindBlock(b, k));
  }
  w.msfa_expand = Conv(b, "mobilenet.msfa.ffn.pw_exp.conv.weight", c.msfa_mid_ch, c.msfa_in_ch, 1);
  w.msfa_expand_norm = b.Vector("mobilenet.msfa.ffn.pw_exp.bn.weight", {c.msfa_mid_ch});
  w.msfa_project = Conv(b, "mobilenet.msfa.ffn.pw_proj.conv.weight", c.hidden, c.msfa_mid_ch, 1);
  w.msfa_project_norm = b.Vector("mobilenet.msfa.ffn.pw_proj.bn.weight", {c.hidden});
  w.msfa_norm = b.Vector("mobilenet.msfa.norm.weight", {c.hidden});
  w.embedder = BindGemma3nEmbedder(b, "embed_vision.", c.hidden, c.text_hidden);
  w.storage = std::move(tensors);
  return w;
}

}  // namespace gemmakit
