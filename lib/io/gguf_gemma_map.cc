#include "io/gguf_gemma_map.h"

#include <cstring>

namespace gemmakit {
namespace {

struct ArchName {
  const char* gguf;
  const char* model_type;
};
// EmbeddingGemma is a Gemma 3 text model that attends both ways; llama.cpp names it apart. The first row
// of a model type is the architecture the writer uses.
constexpr ArchName kArchs[] = {{"gemma", "gemma"},
                               {"gemma2", "gemma2"},
                               {"gemma3", "gemma3_text"},
                               {"gemma3n", "gemma3n_text"},
                               {"gemma-embedding", "gemma3_text"}};

// Which architectures a tensor-name row applies to.
enum Archs : unsigned { kG1 = 1, kG2 = 2, kG3 = 4, kG3n = 8, kAll = 15, kSandwich = kG2 | kG3 | kG3n, kQkNorm = kG3 | kG3n };

unsigned ArchBit(const std::string& arch) {
  if (arch == "gemma") return kG1;
  if (arch == "gemma2") return kG2;
  if (arch == "gemma3" || arch == "gemma-embedding") return kG3;
  if (arch == "gemma3n") return kG3n;
  return 0;
}

struct TensorName {
  const char* gguf;
  const char* hf;
  unsigned archs;
};

constexpr TensorName kTopTensors[] = {
    {"token_embd.weight", "embed_tokens.weight", kAll},
    {"output_norm.weight", "norm.weight", kAll},
    {"output.weight", "lm_head.weight", kAll},
    {"per_layer_token_embd.weight", "embed_tokens_per_layer.weight", kG3n},
    {"per_layer_model_proj.weight", "per_layer_model_projection.weight", kG3n},
    {"per_layer_proj_norm.weight", "per_layer_projection_norm.weight", kG3n},
};

// After "blk.N." / "layers.N.".
constexpr TensorName kLayerTensors[] = {
    {"attn_q.weight", "self_attn.q_proj.weight", kAll},
    {"attn_k.weight", "self_attn.k_proj.weight", kAll},
    {"attn_v.weight", "self_attn.v_proj.weight", kAll},
    {"attn_output.weight", "self_attn.o_proj.weight", kAll},
    {"attn_q_norm.weight", "self_attn.q_norm.weight", kQkNorm},
    {"attn_k_norm.weight", "self_attn.k_norm.weight", kQkNorm},
    {"attn_norm.weight", "input_layernorm.weight", kAll},
    {"post_attention_norm.weight", "post_attention_layernorm.weight", kSandwich},
    {"ffn_norm.weight", "post_attention_layernorm.weight", kG1},
    {"ffn_norm.weight", "pre_feedforward_layernorm.weight", kSandwich},
    {"post_ffw_norm.weight", "post_feedforward_layernorm.weight", kSandwich},
    {"ffn_gate.weight", "mlp.gate_proj.weight", kAll},
    {"ffn_up.weight", "mlp.up_proj.weight", kAll},
    {"ffn_down.weight", "mlp.down_proj.weight", kAll},
    {"inp_gate.weight", "per_layer_input_gate.weight", kG3n},
    {"proj.weight", "per_layer_projection.weight", kG3n},
    {"post_norm.weight", "post_per_layer_input_norm.weight", kG3n},
    {"altup_correct_coef.weight", "altup.correction_coefs.weight", kG3n},
    {"altup_correct_scale.weight", "altup.correct_output_scale", kG3n},
    {"altup_predict_coef.weight", "altup.prediction_coefs.weight", kG3n},
    {"altup_router.weight", "altup.modality_router.weight", kG3n},
    {"altup_router_norm.weight", "altup.router_norm.weight", kG3n},
    {"laurel_l.weight", "laurel.linear_left.weight", kG3n},
    {"laurel_r.weight", "laurel.linear_right.weight", kG3n},
    {"laurel_post_norm.weight", "laurel.post_laurel_norm.weight", kG3n},
};

// Splits "<prefix><digits>.<rest>" into the layer number and rest; false when it is not.
bool SplitLayer(const std::string& name, const char* prefix, std::string* layer, std::string* rest) {
  const size_t n = std::strlen(prefix);
  if (name.compare(0, n, prefix) != 0) return false;
  const size_t dot = name.find('.', n);
  if (dot == std::string::npos || dot == n) return false;
  for (size_t i = n; i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
  }
  *layer = name.substr(n, dot - n);
  *rest = name.substr(dot + 1);
  return true;
}

// Maps `name` from one column of the tables to the other.
template <typename From, typename To>
std::string Translate(const std::string& name, const std::string& arch, const char* from_prefix, const char* to_prefix,
                      From from, To to) {
  const unsigned bit = ArchBit(arch);
  for (const auto& t : kTopTensors) {
    if ((t.archs & bit) && name == from(t)) return to(t);
  }
  std::string layer, rest;
  if (!SplitLayer(name, from_prefix, &layer, &rest)) return "";
  for (const auto& t : kLayerTensors) {
    if ((t.archs & bit) && rest == from(t)) return to_prefix + layer + "." + to(t);
  }
  return "";
}

const char* GgufColumn(const TensorName& t) { return t.gguf; }
const char* HfColumn(const TensorName& t) { return t.hf; }

}  // namespace

const GgufIntKey kGgufIntKeys[] = {
    {"embedding_length", &HParams::hidden_size},
    {"feed_forward_length", &HParams::intermediate_size},
    {"block_count", &HParams::num_hidden_layers},
    {"attention.head_count", &HParams::num_attention_heads},
    {"attention.head_count_kv", &HParams::num_key_value_heads},
    {"attention.key_length", &HParams::head_dim},
    {"context_length", &HParams::max_position_embeddings},
    {"attention.sliding_window", &HParams::sliding_window},
    {"altup.active_idx", &HParams::altup_active_idx},
    {"altup.num_inputs", &HParams::altup_num_inputs},
    {"embedding_length_per_layer_input", &HParams::hidden_size_per_layer_input},
    {"attention.shared_kv_layers", &HParams::num_kv_shared_layers},
};
const size_t kNumGgufIntKeys = sizeof kGgufIntKeys / sizeof *kGgufIntKeys;

const GgufFloatKey kGgufFloatKeys[] = {
    {"attention.layer_norm_rms_epsilon", &HParams::rms_norm_eps},
    {"rope.freq_base", &HParams::rope_theta},
    {"rope.freq_base_swa", &HParams::rope_local_base_freq},
    {"attn_logit_softcapping", &HParams::attn_logit_softcapping},
    {"final_logit_softcapping", &HParams::final_logit_softcapping},
    // Not written by llama.cpp (which derives it from the model size); gemmakit writes and honours it.
    {"attention.query_pre_attn_scalar", &HParams::query_pre_attn_scalar},
};
const size_t kNumGgufFloatKeys = sizeof kGgufFloatKeys / sizeof *kGgufFloatKeys;

const GgufStackedTensor kGgufStackedTensors[] = {
    {"altup_proj.weight", "altup_projections."},
    {"altup_unembd_proj.weight", "altup_unembed_projections."},
};
const size_t kNumGgufStackedTensors = sizeof kGgufStackedTensors / sizeof *kGgufStackedTensors;

std::string GgufArchToModelType(const std::string& arch) {
  for (const auto& a : kArchs) {
    if (arch == a.gguf) return a.model_type;
  }
  return "";
}

std::string ModelTypeToGgufArch(const std::string& model_type) {
  for (const auto& a : kArchs) {
    if (model_type == a.model_type) return a.gguf;
  }
  return "";
}

std::string GgufToHfTensorName(const std::string& gguf_name, const std::string& arch) {
  return Translate(gguf_name, arch, "blk.", "layers.", GgufColumn, HfColumn);
}

std::string HfToGgufTensorName(const std::string& hf_name, const std::string& arch) {
  return Translate(hf_name, arch, "layers.", "blk.", HfColumn, GgufColumn);
}

}  // namespace gemmakit
