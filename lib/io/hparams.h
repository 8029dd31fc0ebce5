// What a checkpoint file says about the model, in the vocabulary of HuggingFace's config.json and
// independent of the file format: config.json and GGUF metadata both fill it, and the model's
// architecture code turns it into a complete configuration (model/architecture.h), taking what a
// file leaves out from the defaults of the family's transformers config class. So absent fields
// stay empty here, and a field written as null is remembered as such: for some fields null means
// "none" (soft-caps), for others "the default" (layer_types), and for some it is an error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace gemmakit {

// One rotary embedding as transformers 5's rope_parameters (or the older rope_scaling) writes it.
struct RopeHParams {
  std::optional<std::string> rope_type;  // "default", "linear", ...
  std::optional<double> rope_theta;
  std::optional<double> factor;
};

struct HParams {
  std::string model_type;  // of the text model: "gemma", "gemma2", "gemma3_text", ...
  std::optional<int64_t> vocab_size, hidden_size, intermediate_size, num_hidden_layers,
      num_attention_heads, num_key_value_heads, head_dim, max_position_embeddings, sliding_window,
      sliding_window_pattern, private_sliding_window_pattern;  // the last: "_sliding_window_pattern"
  std::optional<double> rms_norm_eps, rope_theta, rope_local_base_freq, query_pre_attn_scalar,
      attn_logit_softcapping, final_logit_softcapping;
  std::optional<std::string> hidden_activation, hidden_act;
  std::vector<std::string> layer_types;  // "sliding_attention" / "full_attention" per layer
  std::optional<RopeHParams> rope_scaling;  // transformers 4: applies to global layers
  // transformers 5: keyed by layer type ("full_attention", "sliding_attention"), or "" for one
  // rotary embedding shared by every layer (Gemma 1 and 2).
  std::map<std::string, RopeHParams> rope_parameters;
  std::optional<bool> tie_word_embeddings, use_bidirectional_attention;
  // Gemma 3n. intermediate_size may be one width per layer (then intermediate_sizes holds them);
  // activation_sparsity_pattern is one value per layer or one for all.
  std::vector<int64_t> intermediate_sizes;
  std::vector<double> activation_sparsity_pattern;
  std::vector<double> activation_sparsity_scale;  // GGUF's form of it: Φ⁻¹(sparsity) per layer
  std::optional<int64_t> vocab_size_per_layer_input, hidden_size_per_layer_input, altup_active_idx, altup_num_inputs,
      num_kv_shared_layers, laurel_rank;
  std::optional<double> altup_coef_clip;
  // After MatFormer slicing (model/gemma3n/matformer_slice.h): layer l reads slot per_layer_slots[l]
  // of per-layer tables stored for per_layer_table_layers layers. Empty: the stored layers as is.
  std::vector<int32_t> per_layer_slots;
  int64_t per_layer_table_layers = 0;
  std::optional<bool> altup_correct_scale;
  std::set<std::string> nulls;  // keys the file wrote as null

  bool IsNull(const char* key) const { return nulls.count(key) != 0; }
};

}  // namespace gemmakit
