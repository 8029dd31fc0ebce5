// Gemma 3n: Gemma 3's attention (q/k norms, local and global layers) with RMSNorms that scale by w,
// a scale-free norm on values and unscaled scores, wrapped in AltUp's four residual streams, with
// a LAuReL low-rank residual, per-layer inputs from a second embedding table, KV sharing in the
// last layers, Gaussian top-k sparsity in the first layers' feed-forwards and per-layer FFN widths
// (MatFormer). Defaults: transformers' Gemma3nTextConfig (gemma-3n-E4B).
#include <cmath>
#include <string>

#include "gemmakit/status.h"
#include "kernels/activation.h"
#include "model/architecture.h"

namespace gemmakit {
namespace {

// The last `num_kv_shared_layers` layers read the store of the last earlier layer of their own
// kind (sliding or global) and compute no keys or values.
void ShareKvStores(ModelConfig& c, int64_t n_shared) {
  const int64_t n = c.n_layers();
  const int64_t first_shared = n - n_shared;
  if (n_shared == 0) return;
  for (int64_t l = first_shared; l < n; ++l) {
    int64_t source = -1;
    for (int64_t p = first_shared - 1; p >= 0 && source < 0; --p) {
      if (c.layers[static_cast<size_t>(p)].sliding == c.layers[static_cast<size_t>(l)].sliding) source = p;
    }
    if (source < 0) {
      Fail(Status::kFormatError, "config: num_kv_shared_layers = " + std::to_string(n_shared) + ", but no layer before " +
                                     std::to_string(first_shared) + " is of the same attention type as layer " +
                                     std::to_string(l) + " to share its KV with");
    }
    c.layers[static_cast<size_t>(l)].kv_store = c.layers[static_cast<size_t>(source)].kv_store;
  }
  c.kv_store_owner.resize(static_cast<size_t>(first_shared));  // stores are numbered by owner: 0..first_shared-1
}

void ResolveGemma3nFields(const HParams& hp, ModelConfig& c, FieldResolver& r) {
  c.value_norm = true;
  Gemma3nParams& g = c.gemma3n;
  const int64_t n = c.n_layers();
  auto in_range = [](int64_t v, const char* name, int64_t lo, int64_t hi) {
    if (v < lo || v > hi) {
      Fail(Status::kFormatError, std::string("config '") + name + "' = " + std::to_string(v) + " is out of range [" +
                                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return v;
  };
  g.per_layer_vocab = in_range(r.Take<int64_t>("vocab_size_per_layer_input", hp.vocab_size_per_layer_input, 262144),
                               "vocab_size_per_layer_input", 1, 1 << 22);
  g.per_layer_width = in_range(r.Take<int64_t>("hidden_size_per_layer_input", hp.hidden_size_per_layer_input, 256),
                               "hidden_size_per_layer_input", 1, 1 << 14);
  g.altup_inputs = static_cast<int32_t>(in_range(r.Take<int64_t>("altup_num_inputs", hp.altup_num_inputs, 4), "altup_num_inputs", 1, 16));
  g.altup_active = static_cast<int32_t>(
      in_range(r.Take<int64_t>("altup_active_idx", hp.altup_active_idx, 0), "altup_active_idx", 0, g.altup_inputs - 1));
  g.altup_correct_scale = r.Take<bool>("altup_correct_scale", hp.altup_correct_scale, true);
  // transformers clamps the correction coefficients at every correct step (not only in
  // training): the clip changes numbers, so it is a model parameter.
  const double clip = r.TakeNullAsDefault<double>("altup_coef_clip", hp.altup_coef_clip, 120.0);
  g.altup_coef_clip = hp.IsNull("altup_coef_clip") ? 0.f : static_cast<float>(clip);
  g.laurel_rank = in_range(r.Take<int64_t>("laurel_rank", hp.laurel_rank, 64), "laurel_rank", 1, 1 << 14);

  // Sparsity: one value per layer, one for all, or (default) 0.95 for the first 10 layers of a
  // model deeper than 10. GGUF files carry z = Φ⁻¹(sparsity) instead (-inf for dense layers).
  std::vector<double> sparsity = hp.activation_sparsity_pattern;
  std::vector<double> z = hp.activation_sparsity_scale;
  const bool from_default = sparsity.empty() && z.empty();
  if (!z.empty()) {
    for (double v : z) sparsity.push_back(std::isfinite(v) ? 0.5 * std::erfc(-v / std::sqrt(2.0)) : 0.0);
  } else if (from_default) {
    const int64_t sparse = n > 10 ? 10 : 0;
    for (int64_t l = 0; l < n; ++l) sparsity.push_back(l < sparse ? 0.95 : 0.0);
  } else if (sparsity.size() == 1 && n > 1) {
    sparsity.assign(static_cast<size_t>(n), sparsity[0]);
  }
  if (static_cast<int64_t>(sparsity.size()) != n) {
    Fail(Status::kFormatError, "config: activation_sparsity_pattern has " + std::to_string(sparsity.size()) +
                                   " values for " + std::to_string(n) + " layers");
  }
  std::string listed;
  for (size_t l = 0; l < sparsity.size(); ++l) {
    if (!(sparsity[l] >= 0.0 && sparsity[l] < 1.0)) {
      Fail(Status::kFormatError, "config: activation_sparsity_pattern values must be in [0, 1)");
    }
    LayerConfig& lc = c.layers[l];
    lc.activation_sparsity = static_cast<float>(sparsity[l]);
    if (sparsity[l] > 0.0) lc.sparsity_z = z.empty() ? NormalQuantile(sparsity[l]) : static_cast<float>(z[l]);
    listed += (l ? "," : "") + FieldResolver::Format(sparsity[l]);
  }
  r.Note("activation_sparsity_pattern", "[" + listed + "]", from_default);

  if (!hp.per_layer_slots.empty() && static_cast<int64_t>(hp.per_layer_slots.size()) != n) {
    Fail(Status::kFormatError, "per-layer input slots: " + std::to_string(hp.per_layer_slots.size()) + " for " +
                                   std::to_string(n) + " layers");
  }
  g.table_layers = hp.per_layer_slots.empty() ? n : hp.per_layer_table_layers;
  for (int64_t l = 0; l < n; ++l) {
    const int32_t slot = hp.per_layer_slots.empty() ? static_cast<int32_t>(l) : hp.per_layer_slots[static_cast<size_t>(l)];
    if (slot < 0 || slot >= g.table_layers) Fail(Status::kFormatError, "per-layer input slot out of range");
    g.slots.push_back(slot);
  }

  const int64_t n_shared = in_range(r.Take<int64_t>("num_kv_shared_layers", hp.num_kv_shared_layers, 15), "num_kv_shared_layers", 0, n - 1);
  ShareKvStores(c, n_shared);
}

}  // namespace

const GemmaFamily& Gemma3nFamily() {
  static const GemmaFamily f = [] {
    GemmaFamily g = {
        "gemma3n", "Gemma3nTextConfig",
        /*vocab_size=*/262400, /*hidden_size=*/2048, /*intermediate_size=*/16384, /*num_hidden_layers=*/35,
        /*num_attention_heads=*/8, /*num_key_value_heads=*/2, /*head_dim=*/256, /*max_position_embeddings=*/32768,
        /*rms_norm_eps=*/1e-6, /*rope_theta=*/1000000.0, /*rope_local_base_freq=*/10000.0, /*query_pre_attn_scalar=*/0,
        /*sliding_window=*/512, /*sliding_window_pattern=*/5, /*pattern_from_config=*/false,
        /*attn_logit_softcapping=*/0, /*final_logit_softcapping=*/30.0, /*hidden_activation=*/"gelu_pytorch_tanh",
        /*sandwich_norms=*/true, /*qk_norm=*/true, /*rope_scaling_global_only=*/true};
    g.norm_adds_one = false;
    g.unit_attention_scale = true;
    g.resolve_own_fields = ResolveGemma3nFields;
    return g;
  }();
  return f;
}

}  // namespace gemmakit
