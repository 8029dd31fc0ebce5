#include "runtime/gguf_export.h"

#include <cmath>
#include <cstring>

#include "gemmakit/status.h"
#include "io/gguf_types.h"
#include "io/gguf_writer.h"
#include "runtime/model_impl.h"
#include "tokenizer/sentencepiece_proto.h"

namespace gemmakit {
namespace {

// llama.cpp's general.file_type (enum llama_ftype) for the type most weights have.
uint32_t FileType(DType t) {
  switch (t) {
    case DType::kF32: return 0;
    case DType::kF16: return 1;
    case DType::kQ4_0: return 2;
    case DType::kQ8_0: return 7;
    case DType::kQ4_K: return 15;  // Q4_K_M
    case DType::kQ5_K: return 17;  // Q5_K_M
    case DType::kQ6_K: return 18;
    case DType::kBF16: return 32;
    case DType::kQ4_1: return 3;
    case DType::kQ5_0: return 8;
    case DType::kQ5_1: return 9;
    case DType::kQ2_K: return 10;
    case DType::kQ3_K: return 12;  // Q3_K_M
    case DType::kIQ4_NL: return 25;
    case DType::kIQ4_XS: return 30;
  }
  return 0;
}

void AddMatrix(GgufWriter& w, const std::string& name, const MatrixView& m) {
  const size_t row_bytes = DTypeBytes(m.dtype, m.cols);
  w.AddTensor(name, DTypeToGgml(m.dtype), {m.cols, m.rows}, [m, row_bytes](uint8_t* out, size_t n) {
    for (size_t r = 0; r < m.rows && (r + 1) * row_bytes <= n; ++r) m.RowBytes(r, out + r * row_bytes);
  });
}

// Norm scales are held as the (1 + w) GGUF stores, in float32.
void AddNorm(GgufWriter& w, const std::string& name, const std::vector<float>& scale) {
  const std::vector<float>* v = &scale;
  w.AddTensor(name, GgmlType::kF32, {scale.size()}, [v](uint8_t* out, size_t n) { std::memcpy(out, v->data(), n); });
}

}  // namespace

void SaveGguf(const Model& model, const std::string& path) {
  const Model::Impl& m = model.impl();
  const ModelConfig& c = m.config;
  if (!c.norm_adds_one) Fail(Status::kUnsupported, "GGUF export supports Gemma 1, 2 and 3");
  const std::string arch = c.architecture;
  GgufWriter w;
  w.SetString("general.architecture", arch);
  w.SetString("general.name", "gemmakit export");
  w.SetUint32("general.file_type", m.weights.file_type >= 0 ? static_cast<uint32_t>(m.weights.file_type)
                                   : FileType(m.weights.layers.empty() ? DType::kF32 : m.weights.layers[0].gate_proj.dtype));
  w.SetUint32("general.quantization_version", 2);
  w.SetUint32(arch + ".context_length", static_cast<uint32_t>(c.context_length));
  w.SetUint32(arch + ".embedding_length", static_cast<uint32_t>(c.hidden));
  w.SetUint32(arch + ".block_count", static_cast<uint32_t>(c.n_layers()));
  w.SetUint32(arch + ".feed_forward_length", static_cast<uint32_t>(c.intermediate));
  w.SetUint32(arch + ".attention.head_count", static_cast<uint32_t>(c.n_heads));
  w.SetUint32(arch + ".attention.head_count_kv", static_cast<uint32_t>(c.n_kv_heads));
  w.SetUint32(arch + ".attention.key_length", static_cast<uint32_t>(c.head_dim));
  w.SetUint32(arch + ".attention.value_length", static_cast<uint32_t>(c.head_dim));
  w.SetFloat32(arch + ".attention.layer_norm_rms_epsilon", c.norm_eps);
  // Global layers carry rope_theta (and any scaling); local layers their own base.
  const LayerConfig* global = nullptr;
  const LayerConfig* local = nullptr;
  for (const auto& l : c.layers) (l.sliding ? local : global) = &l;
  const LayerConfig& g = global ? *global : c.layers[0];
  w.SetFloat32(arch + ".rope.freq_base", g.rope.base);
  if (arch == "gemma3" && local) w.SetFloat32(arch + ".rope.freq_base_swa", local->rope.base);
  if (g.rope.linear_scale != 1.f) {
    w.SetString(arch + ".rope.scaling.type", "linear");
    w.SetFloat32(arch + ".rope.scaling.factor", g.rope.linear_scale);
  }
  if (c.max_window() > 0) w.SetUint32(arch + ".attention.sliding_window", static_cast<uint32_t>(c.max_window()));
  if (c.attn_softcap > 0.f) w.SetFloat32(arch + ".attn_logit_softcapping", c.attn_softcap);
  if (c.final_softcap > 0.f) w.SetFloat32(arch + ".final_logit_softcapping", c.final_softcap);
  const float default_scale = 1.f / std::sqrt(static_cast<float>(c.head_dim));
  if (arch != "gemma" && std::fabs(c.attn_scale - default_scale) > 1e-7f * default_scale) {
    // llama.cpp derives this from the model size; recorded so gemmakit reads it back exactly.
    w.SetFloat32(arch + ".attention.query_pre_attn_scalar", 1.f / (c.attn_scale * c.attn_scale));
  }
  if (arch == "gemma3") {
    // The period of the local/global pattern (the first global layer's index + 1).
    size_t period = 0;
    for (size_t i = 0; i < c.layers.size() && !period; ++i) period = c.layers[i].sliding ? 0 : i + 1;
    if (period) w.SetUint32(arch + ".attention.sliding_window_pattern", static_cast<uint32_t>(period));
  }

  const Tokenizer& tok = model.tokenizer();
  const auto pieces = ReadSentencePieces(tok.SerializedModel());
  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (const auto& p : pieces) {
    texts.push_back(p.text);
    scores.push_back(p.score);
    types.push_back(static_cast<int32_t>(p.type));  // GGUF token types use SentencePiece's numbers
  }
  w.SetString("tokenizer.ggml.model", "llama");
  w.SetStringArray("tokenizer.ggml.tokens", texts);
  w.SetFloat32Array("tokenizer.ggml.scores", scores);
  w.SetInt32Array("tokenizer.ggml.token_type", types);
  const SpecialTokens& sp = tok.special();
  if (sp.bos >= 0) w.SetUint32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(sp.bos));
  if (sp.eos >= 0) w.SetUint32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(sp.eos));
  if (sp.unk >= 0) w.SetUint32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(sp.unk));
  if (sp.pad >= 0) w.SetUint32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(sp.pad));
  w.SetBool("tokenizer.ggml.add_space_prefix", false);

  const ModelWeights& mw = m.weights;
  AddMatrix(w, "token_embd.weight", mw.embed);
  if (mw.lm_head.data != mw.embed.data || mw.lm_head.panels != mw.embed.panels) AddMatrix(w, "output.weight", mw.lm_head);
  AddNorm(w, "output_norm.weight", mw.final_norm);
  for (size_t i = 0; i < mw.layers.size(); ++i) {
    const LayerWeights& l = mw.layers[i];
    const std::string p = "blk." + std::to_string(i) + ".";
    AddMatrix(w, p + "attn_q.weight", l.q_proj);
    AddMatrix(w, p + "attn_k.weight", l.k_proj);
    AddMatrix(w, p + "attn_v.weight", l.v_proj);
    AddMatrix(w, p + "attn_output.weight", l.o_proj);
    AddMatrix(w, p + "ffn_gate.weight", l.gate_proj);
    AddMatrix(w, p + "ffn_up.weight", l.up_proj);
    AddMatrix(w, p + "ffn_down.weight", l.down_proj);
    AddNorm(w, p + "attn_norm.weight", l.input_norm);
    AddNorm(w, p + "ffn_norm.weight", l.pre_ffw_norm);
    if (c.sandwich_norms) {
      AddNorm(w, p + "post_attention_norm.weight", l.post_attn_norm);
      AddNorm(w, p + "post_ffw_norm.weight", l.post_ffw_norm);
    }
    if (c.qk_norm) {
      AddNorm(w, p + "attn_q_norm.weight", l.q_norm);
      AddNorm(w, p + "attn_k_norm.weight", l.k_norm);
    }
  }
  w.Write(path);
}

}  // namespace gemmakit
