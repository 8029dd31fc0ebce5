// Gemma 1: every layer global, norm → attention → residual → norm → GeGLU → residual, attention
// scaled by head_dim^-0.5. Defaults: transformers' GemmaConfig (gemma-7b).
#include "model/architecture.h"

namespace gemmakit {

const GemmaFamily& Gemma1Family() {
  static const GemmaFamily f = {
      "gemma", "GemmaConfig",
      /*vocab_size=*/256000, /*hidden_size=*/3072, /*intermediate_size=*/24576, /*num_hidden_layers=*/28,
      /*num_attention_heads=*/16, /*num_key_value_heads=*/16, /*head_dim=*/256, /*max_position_embeddings=*/8192,
      /*rms_norm_eps=*/1e-6, /*rope_theta=*/10000.0, /*rope_local_base_freq=*/0, /*query_pre_attn_scalar=*/0,
      /*sliding_window=*/0, /*sliding_window_pattern=*/0, /*pattern_from_config=*/false,
      /*attn_logit_softcapping=*/0, /*final_logit_softcapping=*/0, /*hidden_activation=*/nullptr,
      /*sandwich_norms=*/false, /*qk_norm=*/false, /*rope_scaling_global_only=*/false};
  return f;
}

}  // namespace gemmakit
