#include "model/weights.h"

#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
const TensorEntry& WeightBinder::Get(const std::string& name, const std::vector<int64_t>& shape, const char* dims) {
  const TensorEntry* e = tensors_.Find(name);
  if (!e) Fail(Status::kFormatError, "checkpoint has no tensor '" + name + "'");
  // Kernels load 16-bit scales and elements directly; files written by common tools align them.
  const size_t align = e->dtype == DType::kF32 ? 4 : 2;
  if (reinterpret_cast<uintptr_t>(e->data) % align != 0) {
    Fail(Status::kUnsupported, "tensor '" + name + "' is not aligned to " + std::to_string(align) + " bytes in its file");
  }
  if (e->shape != shape) {
    Fail(Status::kFormatError, "tensor '" + name + "' has shape " + ShapeString(e->shape) + " but the config implies " +
                                   ShapeString(shape) + " (" + dims + ")");
  }
  if (n_params_) *n_params_ += static_cast<size_t>(e->numel());
  return *e;
}

MatrixView WeightBinder::Matrix(const std::string& name, int64_t rows, int64_t cols, const char* dims) {
  const TensorEntry& e = Get(name, {rows, cols}, dims);
  if (static_cast<size_t>(cols) % DTypeBlockElems(e.dtype) != 0) {
    Fail(Status::kFormatError, "tensor '" + name + "': width " + std::to_string(cols) + " is not a multiple of the " +
                                   DTypeName(e.dtype) + " block");
  }
  return MatrixView{e.dtype, e.data, static_cast<size_t>(rows), static_cast<size_t>(cols)};
}

std::vector<float> WeightBinder::Floats(const std::string& name, const std::vector<int64_t>& shape, const char* dims) {
  const TensorEntry& e = Get(name, shape, dims);
  std::vector<float> v(static_cast<size_t>(e.numel()));
  if (v.size() % DTypeBlockElems(e.dtype) != 0) Fail(Status::kFormatError, "tensor '" + name + "' does not fill whole blocks");
  ConvertToF32(e.dtype, e.data, v.data(), v.size());
  return v;
}

std::vector<float> WeightBinder::Norm(const std::string& name, int64_t dim, const char* dims) {
  std::vector<float> v = Floats(name, {dim}, dims);
  if (add_one_) {
    for (float& x : v) x += 1.f;
  }
  return v;
}

std::string WeightBinder::ShapeString(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

ModelWeights BindWeights(const ModelConfig& c, std::shared_ptr<const TensorIndex> tensors, bool norms_include_one) {
  ModelWeights w;
  WeightBinder b(c, *tensors, norms_include_one, &w.n_params);
  w.embed = b.Matrix("embed_tokens.weight", c.vocab_size, c.hidden, "vocab_size, hidden_size");
  if (c.tied_embeddings) {
    w.lm_head = w.embed;
  } else if (tensors->Find("lm_head.weight")) {
    w.lm_head = b.Matrix("lm_head.weight", c.vocab_size, c.hidden, "vocab_size, hidden_size");
  } else {
    Fail(Status::kFormatError, "config: tie_word_embeddings is false but the checkpoint has no 'lm_head.weight'");
  }
  w.final_norm = b.Norm("norm.weight", c.hidden);
  w.layers.resize(static_cast<size_t>(c.n_layers()));
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    LayerWeights& l = w.layers[i];
    const int64_t ff = c.layers[i].ffn_width;
    l.q_proj = b.Matrix(p + "self_attn.q_proj.weight", c.q_dim(), c.hidden, "num_attention_heads * head_dim, hidden_size");
    // A layer that reads another's KV store computes no keys or values; its projections, when the
    // file has them, are kept only so that a written file has every tensor llama.cpp expects.
    const bool kv_needed = c.writes_kv(i);
    if (kv_needed || tensors->Find(p + "self_attn.k_proj.weight")) {
      l.k_proj = b.Matrix(p + "self_attn.k_proj.weight", c.kv_dim(), c.hidden, "num_key_value_heads * head_dim, hidden_size");
      l.v_proj = b.Matrix(p + "self_attn.v_proj.weight", c.kv_dim(), c.hidden, "num_key_value_heads * head_dim, hidden_size");
    }
    l.o_proj = b.Matrix(p + "self_attn.o_proj.weight", c.hidden, c.q_dim(), "hidden_size, num_attention_heads * head_dim");
    l.gate_proj = b.Matrix(p + "mlp.gate_proj.weight", ff, c.hidden, "intermediate_size, hidden_size");
    l.up_proj = b.Matrix(p + "mlp.up_proj.weight", ff, c.hidden, "intermediate_size, hidden_size");
    l.down_proj = b.Matrix(p + "mlp.down_proj.weight", c.hidden, ff, "hidden_size, intermediate_size");
    l.input_norm = b.Norm(p + "input_layernorm.weight", c.hidden);
    if (c.sandwich_norms) {
      l.post_attn_norm = b.Norm(p + "post_attention_layernorm.weight", c.hidden);
      l.pre_ffw_norm = b.Norm(p + "pre_feedforward_layernorm.weight", c.hidden);
      l.post_ffw_norm = b.Norm(p + "post_feedforward_layernorm.weight", c.hidden);
    } else {
      // Gemma 1 calls its pre-feed-forward norm "post_attention_layernorm".
      l.pre_ffw_norm = b.Norm(p + "post_attention_layernorm.weight", c.hidden);
    }
    if (c.qk_norm) {
      l.q_norm = b.Norm(p + "self_attn.q_norm.weight", c.head_dim, "head_dim");
      l.k_norm = b.Norm(p + "self_attn.k_norm.weight", c.head_dim, "head_dim");
    }
  }
  w.storage = std::move(tensors);
  return w;
}

}  // namespace gemmakit
