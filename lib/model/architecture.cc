#include "model/architecture.h"

#include <algorithm>
#include <cmath>

#include "gemmakit/status.h"

namespace gemmakit {

int32_t ModelConfig::max_window() const {
  int32_t w = 0;
  for (const auto& l : layers) {
    if (l.sliding) w = std::max(w, l.window);
  }
  return w;
}

namespace {

int64_t Require(const std::optional<int64_t>& v, const char* name, int64_t lo, int64_t hi) {
  if (!v) Fail(Status::kFormatError, std::string("config is missing '") + name + "'");
  if (*v < lo || *v > hi) {
    Fail(Status::kFormatError, std::string("config '") + name + "' = " + std::to_string(*v) +
                                   " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return *v;
}

}  // namespace

ModelConfig ResolveCommon(const HParams& hp, const char* architecture) {
  ModelConfig c;
  c.architecture = architecture;
  // Bounds far beyond any released Gemma but small enough that sizes cannot overflow.
  c.vocab_size = Require(hp.vocab_size, "vocab_size", 1, 1 << 22);
  c.hidden = Require(hp.hidden_size, "hidden_size", 2, 1 << 16);
  c.intermediate = Require(hp.intermediate_size, "intermediate_size", 1, 1 << 20);
  const int64_t n_layers = Require(hp.num_hidden_layers, "num_hidden_layers", 1, 1024);
  c.n_heads = Require(hp.num_attention_heads, "num_attention_heads", 1, 1024);
  c.n_kv_heads = hp.num_key_value_heads ? Require(hp.num_key_value_heads, "num_key_value_heads", 1, 1024) : c.n_heads;
  if (c.n_heads % c.n_kv_heads != 0) {
    Fail(Status::kFormatError, "config: num_attention_heads (" + std::to_string(c.n_heads) +
                                   ") is not a multiple of num_key_value_heads (" + std::to_string(c.n_kv_heads) + ")");
  }
  c.head_dim = hp.head_dim ? Require(hp.head_dim, "head_dim", 2, 4096) : c.hidden / c.n_heads;
  if (c.head_dim % 2 != 0) Fail(Status::kFormatError, "config: head_dim must be even for rotary embeddings");
  c.context_length = hp.max_position_embeddings ? Require(hp.max_position_embeddings, "max_position_embeddings", 1, 1 << 24) : 8192;
  c.norm_eps = static_cast<float>(hp.rms_norm_eps.value_or(1e-6));
  // PyTorch computes sqrt(hidden) in float32 for float32 compute; the bf16 rounding some
  // implementations apply would shift every logit.
  c.embed_scale = std::sqrt(static_cast<float>(c.hidden));
  c.attn_scale = 1.f / std::sqrt(static_cast<float>(c.head_dim));
  if (hp.hidden_activation && *hp.hidden_activation != "gelu_pytorch_tanh" && *hp.hidden_activation != "gelu") {
    Fail(Status::kUnsupported, "config: hidden_activation '" + *hp.hidden_activation + "' is not supported");
  }
  c.norm_adds_one = !hp.norm_weights_include_one;
  const float base = static_cast<float>(hp.rope_theta.value_or(10000.0));
  c.layers.assign(static_cast<size_t>(n_layers), LayerConfig{});
  for (auto& l : c.layers) l.rope.base = base;
  return c;
}

int32_t SlidingWindow(const HParams& hp, int64_t fallback) {
  const int64_t w = hp.sliding_window.value_or(fallback);
  if (w < 1 || w > (1 << 24)) Fail(Status::kFormatError, "config: sliding_window out of range");
  return static_cast<int32_t>(w);
}

float QueryScale(const HParams& hp, int64_t head_dim) {
  const double s = hp.query_pre_attn_scalar.value_or(static_cast<double>(head_dim));
  if (!(s > 0)) Fail(Status::kFormatError, "config: query_pre_attn_scalar must be positive");
  return static_cast<float>(1.0 / std::sqrt(s));
}

bool ApplyLayerTypes(const HParams& hp, int32_t window, ModelConfig& c) {
  if (hp.layer_types.empty()) return false;
  if (hp.layer_types.size() != c.layers.size()) {
    Fail(Status::kFormatError, "config: layer_types has " + std::to_string(hp.layer_types.size()) +
                                   " entries for " + std::to_string(c.layers.size()) + " layers");
  }
  for (size_t i = 0; i < c.layers.size(); ++i) {
    const std::string& t = hp.layer_types[i];
    if (t != "sliding_attention" && t != "full_attention") {
      Fail(Status::kUnsupported, "config: unknown layer type '" + t + "'");
    }
    c.layers[i].sliding = t == "sliding_attention";
    c.layers[i].window = c.layers[i].sliding ? window : 0;
  }
  return true;
}

ModelConfig ResolveModelConfig(const HParams& hp) {
  if (hp.model_type == "gemma") return ResolveGemma1(hp);
  if (hp.model_type == "gemma2") return ResolveGemma2(hp);
  if (hp.model_type == "gemma3_text" || hp.model_type == "gemma3") return ResolveGemma3(hp);
  Fail(Status::kUnsupported, "unknown model_type '" + hp.model_type +
                                 "': this build runs gemma, gemma2, gemma3_text and gemma3");
}

}  // namespace gemmakit
