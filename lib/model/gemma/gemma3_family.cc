// Gemma 3: Gemma 2's sandwich norms plus RMSNorm on query and key heads, no soft-caps, a repeating
// pattern of local (sliding-window) layers and one global layer, and separate RoPE for each kind:
// local layers turn with rope_local_base_freq, global layers with rope_theta and the optional
// linear scaling. Defaults: transformers' Gemma3TextConfig (also for the text_config of a
// multimodal gemma3 config, which holds only the fields that differ).
#include "model/architecture.h"

namespace gemmakit {

const GemmaFamily& Gemma3Family() {
  static const GemmaFamily f = {
      "gemma3", "Gemma3TextConfig",
      /*vocab_size=*/262208, /*hidden_size=*/2304, /*intermediate_size=*/9216, /*num_hidden_layers=*/26,
      /*num_attention_heads=*/8, /*num_key_value_heads=*/4, /*head_dim=*/256, /*max_position_embeddings=*/131072,
      /*rms_norm_eps=*/1e-6, /*rope_theta=*/1000000.0, /*rope_local_base_freq=*/10000.0, /*query_pre_attn_scalar=*/256,
      /*sliding_window=*/4096, /*sliding_window_pattern=*/6, /*pattern_from_config=*/true,
      /*attn_logit_softcapping=*/0, /*final_logit_softcapping=*/0, /*hidden_activation=*/"gelu_pytorch_tanh",
      /*sandwich_norms=*/true, /*qk_norm=*/true, /*rope_scaling_global_only=*/true};
  return f;
}

}  // namespace gemmakit
