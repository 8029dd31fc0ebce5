#include "model/architecture.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "gemmakit/status.h"

namespace gemmakit {

int32_t ModelConfig::max_window() const {
  int32_t w = 0;
  for (const auto& l : layers) {
    if (l.sliding) w = std::max(w, l.window);
  }
  return w;
}

KeySpan ModelConfig::key_span(size_t l) const {
  const LayerConfig& lc = layers[l];
  KeySpan span;
  if (bidirectional) {
    span.ahead = lc.sliding ? lc.window / 2 : KeySpan::kUnbounded;
    span.behind = span.ahead;
  } else if (lc.sliding) {
    span.behind = lc.window - 1;
  }
  return span;
}

std::string FieldResolver::Format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

double FieldResolver::TakeCap(const char* name, const std::optional<double>& v, double fallback) {
  if (hp_.IsNull(name)) {
    Note(name, "none", false);
    return 0;
  }
  const double cap = Record(name, v, fallback);
  if (cap < 0 || !std::isfinite(cap)) Fail(Status::kFormatError, std::string("config: '") + name + "' must be positive");
  return cap;
}

void FieldResolver::NullError(const char* name) const {
  Fail(Status::kFormatError, std::string("config: '") + name + "' is null; " + config_class_ +
                                 " needs a value (leave the field out for its default)");
}

namespace {

int64_t InRange(int64_t v, const char* name, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    Fail(Status::kFormatError, std::string("config '") + name + "' = " + std::to_string(v) + " is out of range [" +
                                   std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

// transformers' ACT2FN names for the GELUs Gemma checkpoints use.
FfnActivation ParseActivation(const std::string& name, const char* field) {
  if (name == "gelu_pytorch_tanh" || name == "gelu_new" || name == "gelu_fast") return FfnActivation::kGeluTanh;
  if (name == "gelu" || name == "gelu_python") return FfnActivation::kGelu;
  Fail(Status::kUnsupported, std::string("config: ") + field + " '" + name +
                                 "' is not supported (gelu_pytorch_tanh, gelu_new, gelu_fast, gelu, gelu_python)");
}

FfnActivation ResolveActivation(const HParams& hp, const GemmaFamily& f, FieldResolver& r) {
  if (!f.hidden_activation) {
    // GemmaMLP reads hidden_activation only; without one it uses the tanh GELU whatever
    // hidden_act says (gemma-7b's config says "gelu").
    if (hp.hidden_activation) return ParseActivation(r.TakeNullAsDefault<std::string>("hidden_activation", hp.hidden_activation, ""), "hidden_activation");
    r.Note("hidden_activation", "gelu_pytorch_tanh", true);
    return FfnActivation::kGeluTanh;
  }
  return ParseActivation(r.Take<std::string>("hidden_activation", hp.hidden_activation, f.hidden_activation), "hidden_activation");
}

// The rotary embedding of one kind of layer, from rope_parameters (transformers 5) or the older
// rope_theta / rope_local_base_freq / rope_scaling keys. transformers 5 lets an explicit
// rope_parameters theta win and merges an old rope_scaling into the global layers' entry.
RopeParams ResolveRope(const HParams& hp, const GemmaFamily& f, bool sliding, FieldResolver& r) {
  const std::string kind = sliding ? "sliding_attention" : "full_attention";
  const RopeHParams* rp = nullptr;
  if (auto it = hp.rope_parameters.find(kind); it != hp.rope_parameters.end()) rp = &it->second;
  else if (auto flat = hp.rope_parameters.find(""); flat != hp.rope_parameters.end()) rp = &flat->second;
  const bool local_base = sliding && f.rope_local_base_freq > 0;
  const char* theta_key = local_base ? "rope_local_base_freq" : "rope_theta";
  const std::optional<double>& old_theta = local_base ? hp.rope_local_base_freq : hp.rope_theta;
  const std::string prefix = f.sliding_window > 0 ? "rope." + kind + "." : "rope.";
  std::optional<double> theta = rp ? rp->rope_theta : std::nullopt;
  if (!theta) {
    if (hp.IsNull(theta_key)) Fail(Status::kFormatError, std::string("config: '") + theta_key + "' is null");
    theta = old_theta;
  }
  const double base = theta.value_or(local_base ? f.rope_local_base_freq : f.rope_theta);
  r.Note(prefix + "theta", FieldResolver::Format(base), !theta.has_value());
  if (!(base > 1.0) || !std::isfinite(base)) Fail(Status::kFormatError, "config: " + prefix + "theta must be above 1");

  std::optional<std::string> type = rp ? rp->rope_type : std::nullopt;
  // Plain double, not optional: GCC 12 misreads optional<double> here as maybe uninitialized.
  double scale = rp && rp->factor ? *rp->factor : 0.0;
  bool has_factor = rp && rp->factor;
  const bool old_scaling_applies = hp.rope_scaling && (!sliding || !f.rope_scaling_global_only);
  if (old_scaling_applies) {
    if (hp.rope_scaling->rope_type) type = hp.rope_scaling->rope_type;
    if (hp.rope_scaling->factor) {
      scale = *hp.rope_scaling->factor;
      has_factor = true;
    }
  }
  RopeParams p;
  p.base = static_cast<float>(base);
  const std::string t = type.value_or("default");
  r.Note(prefix + "type", t, !type.has_value());
  if (t == "linear") {
    if (!has_factor) Fail(Status::kFormatError, "config: linear rope scaling of " + kind + " layers has no 'factor'");
    if (!(scale > 0) || !std::isfinite(scale)) Fail(Status::kFormatError, "config: rope scaling 'factor' must be positive");
    p.linear_scale = static_cast<float>(scale);
    r.Note(prefix + "factor", FieldResolver::Format(scale), false);
  } else if (t != "default") {
    Fail(Status::kUnsupported, "config: rope_type '" + t + "' (" + kind +
                                   " layers) is not supported; gemmakit runs 'default' and 'linear'");
  }
  return p;
}

// Which layers slide: layer_types wins; else the family's pattern (every Nth layer global).
void ResolveLayerPattern(const HParams& hp, const GemmaFamily& f, ModelConfig& c, FieldResolver& r) {
  const size_t n = c.layers.size();
  if (f.sliding_window == 0) return;  // Gemma 1: every layer global
  bool explicit_types = false;
  if (!hp.layer_types.empty()) {
    if (hp.layer_types.size() != n) {
      Fail(Status::kFormatError, "config: layer_types has " + std::to_string(hp.layer_types.size()) + " entries for " +
                                     std::to_string(n) + " layers (num_hidden_layers)");
    }
    for (size_t i = 0; i < n; ++i) {
      const std::string& t = hp.layer_types[i];
      if (t != "sliding_attention" && t != "full_attention") Fail(Status::kUnsupported, "config: unknown layer type '" + t + "' in layer_types");
      c.layers[i].sliding = t == "sliding_attention";
    }
    explicit_types = true;
  } else {
    int64_t pattern = f.sliding_window_pattern;
    bool from_default = true;
    if (f.pattern_from_config) {
      const std::optional<int64_t>& v = hp.sliding_window_pattern ? hp.sliding_window_pattern : hp.private_sliding_window_pattern;
      if (v) {
        pattern = *v;
        from_default = false;
      }
    }
    if (pattern < 1) Fail(Status::kFormatError, "config: sliding_window_pattern must be positive");
    for (size_t i = 0; i < n; ++i) c.layers[i].sliding = (static_cast<int64_t>(i) + 1) % pattern != 0;
    r.Note("sliding_window_pattern", FieldResolver::Format(pattern), from_default);
  }
  std::string types;
  size_t sliding = 0;
  for (const auto& l : c.layers) {
    types += l.sliding ? 'S' : 'G';
    sliding += l.sliding ? 1 : 0;
  }
  r.Note("layer_types", types, !explicit_types);
  if (sliding == 0) return;
  if (hp.IsNull("sliding_window")) Fail(Status::kFormatError, "config: 'sliding_window' is null but " + std::to_string(sliding) + " layers slide");
  const int64_t window = InRange(r.Take<int64_t>("sliding_window", hp.sliding_window, f.sliding_window), "sliding_window", 1, 1 << 24);
  for (auto& l : c.layers) l.window = l.sliding ? static_cast<int32_t>(window) : 0;
}

const GemmaFamily& FindFamily(const std::string& model_type) {
  if (model_type == "gemma") return Gemma1Family();
  if (model_type == "gemma2") return Gemma2Family();
  if (model_type == "gemma3_text" || model_type == "gemma3") return Gemma3Family();
  if (model_type == "gemma3n_text" || model_type == "gemma3n") return Gemma3nFamily();
  Fail(Status::kUnsupported, "unknown model_type '" + model_type + "': this build runs gemma, gemma2, gemma3_text, gemma3, gemma3n_text and gemma3n");
}

}  // namespace

void AssignOwnKvStores(ModelConfig& c) {
  c.kv_store_owner.clear();
  for (size_t l = 0; l < c.layers.size(); ++l) {
    c.layers[l].kv_store = static_cast<int32_t>(l);
    c.kv_store_owner.push_back(static_cast<int32_t>(l));
  }
}

ModelConfig ResolveModelConfig(const HParams& hp, std::vector<ConfigField>* fields) {
  const GemmaFamily& f = FindFamily(hp.model_type);
  FieldResolver r(hp, f.config_class, fields);
  r.Note("config_class", f.config_class, false);
  ModelConfig c;
  c.architecture = f.architecture;
  // Bounds far beyond any released Gemma but small enough that sizes cannot overflow.
  c.vocab_size = InRange(r.Take<int64_t>("vocab_size", hp.vocab_size, f.vocab_size), "vocab_size", 1, 1 << 22);
  c.hidden = InRange(r.Take<int64_t>("hidden_size", hp.hidden_size, f.hidden_size), "hidden_size", 2, 1 << 16);
  const int64_t n_layers = InRange(r.Take<int64_t>("num_hidden_layers", hp.num_hidden_layers, f.num_hidden_layers), "num_hidden_layers", 1, 1024);
  // One feed-forward width for all layers, or (Gemma 3n, MatFormer slices) one per layer.
  std::vector<int64_t> widths;
  if (!hp.intermediate_sizes.empty()) {
    if (static_cast<int64_t>(hp.intermediate_sizes.size()) != n_layers) {
      Fail(Status::kFormatError, "config: intermediate_size lists " + std::to_string(hp.intermediate_sizes.size()) +
                                     " widths for " + std::to_string(n_layers) + " layers (num_hidden_layers)");
    }
    std::string listed;
    for (int64_t w : hp.intermediate_sizes) {
      widths.push_back(InRange(w, "intermediate_size", 1, 1 << 20));
      listed += (listed.empty() ? "" : ",") + std::to_string(w);
    }
    r.Note("intermediate_size", "[" + listed + "]", false);
  } else {
    widths.assign(static_cast<size_t>(n_layers),
                  InRange(r.Take<int64_t>("intermediate_size", hp.intermediate_size, f.intermediate_size), "intermediate_size", 1, 1 << 20));
  }
  c.intermediate = *std::max_element(widths.begin(), widths.end());
  c.n_heads = InRange(r.Take<int64_t>("num_attention_heads", hp.num_attention_heads, f.num_attention_heads), "num_attention_heads", 1, 1024);
  c.n_kv_heads = InRange(r.Take<int64_t>("num_key_value_heads", hp.num_key_value_heads, f.num_key_value_heads), "num_key_value_heads", 1, 1024);
  if (c.n_heads % c.n_kv_heads != 0) {
    Fail(Status::kFormatError, "config: num_attention_heads (" + std::to_string(c.n_heads) +
                                   ") is not a multiple of num_key_value_heads (" + std::to_string(c.n_kv_heads) + ")");
  }
  c.head_dim = InRange(r.Take<int64_t>("head_dim", hp.head_dim, f.head_dim), "head_dim", 2, 4096);
  if (c.head_dim % 2 != 0) Fail(Status::kFormatError, "config: head_dim must be even for rotary embeddings");
  c.context_length = InRange(r.TakeNullAsDefault<int64_t>("max_position_embeddings", hp.max_position_embeddings, f.max_position_embeddings),
                             "max_position_embeddings", 1, 1 << 24);
  const double eps = r.Take<double>("rms_norm_eps", hp.rms_norm_eps, f.rms_norm_eps);
  if (!(eps >= 0) || !std::isfinite(eps)) Fail(Status::kFormatError, "config: rms_norm_eps must be a non-negative number");
  c.norm_eps = static_cast<float>(eps);
  // PyTorch computes sqrt(hidden) in float32 for float32 compute; the bf16 rounding some
  // implementations apply would shift every logit.
  c.embed_scale = std::sqrt(static_cast<float>(c.hidden));
  c.attn_scale = 1.f / std::sqrt(static_cast<float>(c.head_dim));
  if (f.unit_attention_scale) {
    c.attn_scale = 1.f;
  } else if (f.query_pre_attn_scalar > 0) {
    const double s = r.Take<double>("query_pre_attn_scalar", hp.query_pre_attn_scalar, f.query_pre_attn_scalar);
    if (!(s > 0) || !std::isfinite(s)) Fail(Status::kFormatError, "config: query_pre_attn_scalar must be positive");
    c.attn_scale = static_cast<float>(1.0 / std::sqrt(s));
  }
  c.attn_softcap = static_cast<float>(r.TakeCap("attn_logit_softcapping", hp.attn_logit_softcapping, f.attn_logit_softcapping));
  c.final_softcap = static_cast<float>(r.TakeCap("final_logit_softcapping", hp.final_logit_softcapping, f.final_logit_softcapping));
  c.activation = ResolveActivation(hp, f, r);
  c.sandwich_norms = f.sandwich_norms;
  c.qk_norm = f.qk_norm;
  c.norm_adds_one = f.norm_adds_one;
  c.tied_embeddings = r.TakeNullAsDefault<bool>("tie_word_embeddings", hp.tie_word_embeddings, true);
  if (hp.use_bidirectional_attention) {
    c.bidirectional = r.TakeNullAsDefault<bool>("use_bidirectional_attention", hp.use_bidirectional_attention, false);
  }
  c.layers.assign(static_cast<size_t>(n_layers), LayerConfig{});
  ResolveLayerPattern(hp, f, c, r);
  bool any_sliding = false, any_global = false;
  for (const auto& l : c.layers) (l.sliding ? any_sliding : any_global) = true;
  RopeParams global_rope, local_rope;
  if (any_global || f.sliding_window == 0) global_rope = ResolveRope(hp, f, /*sliding=*/false, r);
  if (any_sliding) local_rope = ResolveRope(hp, f, /*sliding=*/true, r);
  for (size_t i = 0; i < c.layers.size(); ++i) {
    c.layers[i].rope = c.layers[i].sliding ? local_rope : global_rope;
    c.layers[i].ffn_width = widths[i];
  }
  AssignOwnKvStores(c);
  if (f.resolve_own_fields) f.resolve_own_fields(hp, c, r);
  return c;
}

HParams DescribeAsHParams(const ModelConfig& c) {
  HParams hp;
  hp.model_type = c.architecture == "gemma3" || c.architecture == "gemma3n" ? c.architecture + "_text" : c.architecture;
  hp.vocab_size = c.vocab_size;
  hp.hidden_size = c.hidden;
  hp.intermediate_size = c.intermediate;
  hp.num_hidden_layers = c.n_layers();
  hp.num_attention_heads = c.n_heads;
  hp.num_key_value_heads = c.n_kv_heads;
  hp.head_dim = c.head_dim;
  hp.max_position_embeddings = c.context_length;
  hp.rms_norm_eps = c.norm_eps;
  const LayerConfig* global = nullptr;
  const LayerConfig* local = nullptr;
  for (const auto& l : c.layers) (l.sliding ? local : global) = &l;
  const LayerConfig& g = global ? *global : c.layers.at(0);
  hp.rope_theta = g.rope.base;
  if ((c.architecture == "gemma3" || c.architecture == "gemma3n") && local) hp.rope_local_base_freq = local->rope.base;
  if (g.rope.linear_scale != 1.f) hp.rope_scaling = RopeHParams{"linear", std::nullopt, g.rope.linear_scale};
  if (c.max_window() > 0) hp.sliding_window = c.max_window();
  if (c.attn_softcap > 0.f) hp.attn_logit_softcapping = c.attn_softcap;
  if (c.final_softcap > 0.f) hp.final_logit_softcapping = c.final_softcap;
  if (c.architecture != "gemma") {
    if (c.architecture != "gemma3n") hp.query_pre_attn_scalar = 1.0 / (static_cast<double>(c.attn_scale) * c.attn_scale);
    for (const auto& l : c.layers) hp.layer_types.push_back(l.sliding ? "sliding_attention" : "full_attention");
  }
  if (c.architecture == "gemma3n") {
    const Gemma3nParams& g = c.gemma3n;
    hp.intermediate_size.reset();
    for (const auto& l : c.layers) {
      hp.intermediate_sizes.push_back(l.ffn_width);
      hp.activation_sparsity_pattern.push_back(l.activation_sparsity);
      hp.activation_sparsity_scale.push_back(l.activation_sparsity > 0.f ? l.sparsity_z : -std::numeric_limits<double>::infinity());
    }
    hp.vocab_size_per_layer_input = g.per_layer_vocab;
    hp.hidden_size_per_layer_input = g.per_layer_width;
    hp.altup_active_idx = g.altup_active;
    hp.altup_num_inputs = g.altup_inputs;
    hp.altup_correct_scale = g.altup_correct_scale;
    hp.altup_coef_clip = g.altup_coef_clip;
    hp.laurel_rank = g.laurel_rank;
    hp.num_kv_shared_layers = c.n_layers() - static_cast<int64_t>(c.n_kv_stores());
  }
  hp.hidden_activation = c.activation == FfnActivation::kGelu ? "gelu" : "gelu_pytorch_tanh";
  hp.tie_word_embeddings = c.tied_embeddings;
  return hp;
}

}  // namespace gemmakit
