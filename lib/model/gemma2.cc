// Gemma 2: sandwich norms around attention and feed-forward, sliding-window attention on every
// other layer (starting with the first), soft-capped attention scores and final logits, and
// queries scaled by query_pre_attn_scalar^-0.5.
#include "model/architecture.h"

namespace gemmakit {

ModelConfig ResolveGemma2(const HParams& hp) {
  ModelConfig c = ResolveCommon(hp, "gemma2");
  c.sandwich_norms = true;
  c.attn_scale = QueryScale(hp, c.head_dim);
  c.attn_softcap = static_cast<float>(hp.attn_logit_softcapping.value_or(0.0));
  c.final_softcap = static_cast<float>(hp.final_logit_softcapping.value_or(0.0));
  const int32_t window = SlidingWindow(hp, 4096);
  if (!ApplyLayerTypes(hp, window, c)) {
    for (size_t i = 0; i < c.layers.size(); ++i) {
      c.layers[i].sliding = i % 2 == 0;
      c.layers[i].window = c.layers[i].sliding ? window : 0;
    }
  }
  return c;
}

}  // namespace gemmakit
