// Gemma 3: Gemma 2's sandwich norms plus RMSNorm on query and key heads, no soft-caps, a repeating
// pattern of local (sliding-window) layers and one global layer, and separate RoPE for each kind:
// local layers turn with rope_local_base_freq, global layers with rope_theta and the optional
// linear rope_scaling.
#include "gemmakit/status.h"
#include "model/architecture.h"

namespace gemmakit {

ModelConfig ResolveGemma3(const HParams& hp) {
  ModelConfig c = ResolveCommon(hp, "gemma3");
  c.sandwich_norms = true;
  c.qk_norm = true;
  c.attn_scale = QueryScale(hp, c.head_dim);
  c.attn_softcap = static_cast<float>(hp.attn_logit_softcapping.value_or(0.0));
  c.final_softcap = static_cast<float>(hp.final_logit_softcapping.value_or(0.0));
  if (!hp.max_position_embeddings) c.context_length = 131072;
  const int32_t window = SlidingWindow(hp, 4096);
  if (!ApplyLayerTypes(hp, window, c)) {
    const int64_t pattern = hp.sliding_window_pattern.value_or(6);
    if (pattern < 1) Fail(Status::kFormatError, "config: sliding_window_pattern must be positive");
    for (size_t i = 0; i < c.layers.size(); ++i) {
      c.layers[i].sliding = (static_cast<int64_t>(i) + 1) % pattern != 0;
      c.layers[i].window = c.layers[i].sliding ? window : 0;
    }
  }
  float global_scale = 1.f;
  if (hp.rope_scaling_type && *hp.rope_scaling_type != "default") {
    if (*hp.rope_scaling_type != "linear") {
      Fail(Status::kUnsupported, "config: rope_scaling type '" + *hp.rope_scaling_type + "' is not supported");
    }
    global_scale = static_cast<float>(hp.rope_scaling_factor.value_or(1.0));
    if (!(global_scale > 0.f)) Fail(Status::kFormatError, "config: rope_scaling factor must be positive");
  }
  const float local_base = static_cast<float>(hp.rope_local_base_freq.value_or(10000.0));
  for (auto& l : c.layers) {
    if (l.sliding) {
      l.rope.base = local_base;
    } else {
      l.rope.linear_scale = global_scale;
    }
  }
  return c;
}

}  // namespace gemmakit
