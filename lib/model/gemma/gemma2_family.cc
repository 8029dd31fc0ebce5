// Gemma 2: sandwich norms around attention and feed-forward, sliding-window attention on every
// other layer (starting with the first), soft-capped attention scores and final logits, and
// queries scaled by query_pre_attn_scalar^-0.5. Defaults: transformers' Gemma2Config (gemma-2-2b).
#include "model/architecture.h"

namespace gemmakit {

const GemmaFamily& Gemma2Family() {
  static const GemmaFamily f = {
      "gemma2", "Gemma2Config",
      /*vocab_size=*/256000, /*hidden_size=*/2304, /*intermediate_size=*/9216, /*num_hidden_layers=*/26,
      /*num_attention_heads=*/8, /*num_key_value_heads=*/4, /*head_dim=*/256, /*max_position_embeddings=*/8192,
      /*rms_norm_eps=*/1e-6, /*rope_theta=*/10000.0, /*rope_local_base_freq=*/0, /*query_pre_attn_scalar=*/256,
      /*sliding_window=*/4096, /*sliding_window_pattern=*/2, /*pattern_from_config=*/false,
      /*attn_logit_softcapping=*/50.0, /*final_logit_softcapping=*/30.0, /*hidden_activation=*/"gelu_pytorch_tanh",
      /*sandwich_norms=*/true, /*qk_norm=*/false, /*rope_scaling_global_only=*/false};
  return f;
}

}  // namespace gemmakit
