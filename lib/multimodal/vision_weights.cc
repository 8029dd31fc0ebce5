#include "multimodal/vision_weights.h"

#include <string>

#include "multimodal/tower_binder.h"

namespace gemmakit {

VisionWeights BindVisionWeights(const VisionConfig& c, std::shared_ptr<const TensorIndex> tensors,
                                bool soft_norm_includes_one) {
  VisionWeights w;
  TowerBinder b(*tensors, "vision", w.n_params);
  const int64_t d = c.hidden, p = c.patch_size;
  w.patch = b.Matrix("vision.embeddings.patch_embedding.weight", {d, 3, p, p}, d, 3 * p * p);
  w.patch_b = b.Vector("vision.embeddings.patch_embedding.bias", {d});
  w.position = b.Vector("vision.embeddings.position_embedding.weight", {c.n_patches, d});
  w.layers.resize(static_cast<size_t>(c.n_layers));
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const std::string pre = "vision.encoder.layers." + std::to_string(i) + ".";
    SiglipLayerWeights& l = w.layers[i];
    l.ln1_w = b.Vector(pre + "layer_norm1.weight", {d});
    l.ln1_b = b.Vector(pre + "layer_norm1.bias", {d});
    l.ln2_w = b.Vector(pre + "layer_norm2.weight", {d});
    l.ln2_b = b.Vector(pre + "layer_norm2.bias", {d});
    l.q = b.Linear(pre + "self_attn.q_proj.weight", d, d);
    l.k = b.Linear(pre + "self_attn.k_proj.weight", d, d);
    l.v = b.Linear(pre + "self_attn.v_proj.weight", d, d);
    l.o = b.Linear(pre + "self_attn.out_proj.weight", d, d);
    l.q_b = b.Vector(pre + "self_attn.q_proj.bias", {d});
    l.k_b = b.Vector(pre + "self_attn.k_proj.bias", {d});
    l.v_b = b.Vector(pre + "self_attn.v_proj.bias", {d});
    l.o_b = b.Vector(pre + "self_attn.out_proj.bias", {d});
    l.fc1 = b.Linear(pre + "mlp.fc1.weight", c.intermediate, d);
    l.fc2 = b.Linear(pre + "mlp.fc2.weight", d, c.intermediate);
    l.fc1_b = b.Vector(pre + "mlp.fc1.bias", {c.intermediate});
    l.fc2_b = b.Vector(pre + "mlp.fc2.bias", {d});
  }
  w.post_ln_w = b.Vector("vision.post_layernorm.weight", {d});
  w.post_ln_b = b.Vector("vision.post_layernorm.bias", {d});
  w.soft_norm = b.Vector("projector.mm_soft_emb_norm.weight", {d});
  if (!soft_norm_includes_one) {
    for (float& x : w.soft_norm) x += 1.f;
  }
  // Stored as [vision hidden, text hidden] and applied as x · W; MatMul wants W transposed.
  const std::vector<float> proj = b.Vector("projector.mm_input_projection_weight", {d, c.text_hidden});
  const size_t td = static_cast<size_t>(c.text_hidden), vd = static_cast<size_t>(d);
  std::vector<uint8_t> t(td * vd * sizeof(float));
  float* tf = reinterpret_cast<float*>(t.data());
  for (size_t r = 0; r < vd; ++r) {
    for (size_t col = 0; col < td; ++col) tf[col * vd + r] = proj[r * td + col];
  }
  w.owned.push_back(std::move(t));
  w.projection = MatrixView{DType::kF32, w.owned.back().data(), td, vd};
  w.storage = std::move(tensors);
  return w;
}

}  // namespace gemmakit
