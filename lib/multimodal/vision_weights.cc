#include "multimodal/vision_weights.h"

#include <cstring>
#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

std::string Shape(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

class VisionBinder {
 public:
  VisionBinder(const TensorIndex& t, VisionWeights& w) : tensors_(t), w_(w) {}

  const TensorEntry& Get(const std::string& name, const std::vector<int64_t>& shape) {
    const TensorEntry* e = tensors_.Find(name);
    if (!e) Fail(Status::kFormatError, "checkpoint has no vision tensor '" + name + "'");
    if (e->shape != shape) {
      Fail(Status::kFormatError, "vision tensor '" + name + "' has shape " + Shape(e->shape) + " but the config implies " +
                                     Shape(shape));
    }
    if (reinterpret_cast<uintptr_t>(e->data) % (e->dtype == DType::kF32 ? 4 : 2) != 0) {
      Fail(Status::kUnsupported, "vision tensor '" + name + "' is misaligned in its file");
    }
    w_.n_params += static_cast<size_t>(e->numel());
    return *e;
  }

  // A Linear weight [rows, cols], or a tensor of more dimensions read as one (the patch convolution).
  MatrixView Matrix(const std::string& name, const std::vector<int64_t>& shape, int64_t rows, int64_t cols) {
    const TensorEntry& e = Get(name, shape);
    if (static_cast<size_t>(cols) % DTypeBlockElems(e.dtype) != 0) {
      Fail(Status::kFormatError, "vision tensor '" + name + "' is not a whole number of " + DTypeName(e.dtype) + " blocks per row");
    }
    return MatrixView{e.dtype, e.data, static_cast<size_t>(rows), static_cast<size_t>(cols)};
  }
  MatrixView Linear(const std::string& name, int64_t rows, int64_t cols) { return Matrix(name, {rows, cols}, rows, cols); }

  std::vector<float> Vector(const std::string& name, const std::vector<int64_t>& shape) {
    const TensorEntry& e = Get(name, shape);
    std::vector<float> v(static_cast<size_t>(e.numel()));
    if (IsQuantized(e.dtype) && v.size() % DTypeBlockElems(e.dtype) != 0) {
      Fail(Status::kFormatError, "vision tensor '" + name + "' is not a whole number of blocks");
    }
    ConvertToF32(e.dtype, e.data, v.data(), v.size());
    return v;
  }

 private:
  const TensorIndex& tensors_;
  VisionWeights& w_;
};

}  // namespace

VisionWeights BindVisionWeights(const VisionConfig& c, std::shared_ptr<const TensorIndex> tensors,
                                bool soft_norm_includes_one) {
  VisionWeights w;
  VisionBinder b(*tensors, w);
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
