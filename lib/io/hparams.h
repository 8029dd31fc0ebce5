// What a checkpoint file says about the model, in the vocabulary of HuggingFace's config.json and
// independent of the file format: config.json and GGUF metadata both fill it, and the model's
// architecture code turns it into a complete configuration. Absent fields stay empty so each
// architecture can apply its own defaults.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gemmakit {

struct HParams {
  std::string model_type;  // of the text model: "gemma", "gemma2", "gemma3_text", ...
  std::optional<int64_t> vocab_size, hidden_size, intermediate_size, num_hidden_layers,
      num_attention_heads, num_key_value_heads, head_dim, max_position_embeddings, sliding_window,
      sliding_window_pattern;
  std::optional<double> rms_norm_eps, rope_theta, rope_local_base_freq, query_pre_attn_scalar,
      attn_logit_softcapping, final_logit_softcapping;
  std::optional<std::string> hidden_activation;
  std::vector<std::string> layer_types;  // "sliding_attention" / "full_attention" per layer
  std::optional<std::string> rope_scaling_type;
  std::optional<double> rope_scaling_factor;
  std::optional<bool> tie_word_embeddings;
  // GGUF files store Gemma's RMSNorm weights with the 1 of (1 + w) already added.
  bool norm_weights_include_one = false;
};

}  // namespace gemmakit
