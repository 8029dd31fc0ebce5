// Everything that makes one Gemma differ from another, resolved per layer. Architectures differ
// only in the data here (gemma.cpp's habit): the decoder reads it and never asks which model it is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/rope.h"

namespace gemmakit {

// The gate's activation in the feed-forward (GeGLU) block, by transformers' ACT2FN names.
enum class FfnActivation : int32_t {
  kGeluTanh = 0,  // "gelu_pytorch_tanh", "gelu_new": every released Gemma
  kGelu = 1,      // "gelu": the exact, erf-based GELU
};

// One resolved hyper-parameter as `gemmakit info` shows it: its value and whether the checkpoint
// said it or the family's transformers config class supplied it.
struct ConfigField {
  std::string name;
  std::string value;
  bool from_default = false;
};

// The positions a query at p attends to: [p - behind, p + ahead], clipped to its sequence.
// kUnbounded reaches the sequence's start (behind) or the end of the forward pass (ahead).
struct KeySpan {
  static constexpr int64_t kUnbounded = INT64_MAX / 4;
  int64_t behind = kUnbounded;
  int64_t ahead = 0;
};

struct LayerConfig {
  bool sliding = false;  // sees only the last `window` positions
  int32_t window = 0;
  RopeParams rope;
  int64_t ffn_width = 0;  // the feed-forward's intermediate width (Gemma 3n: per layer)
  // Gemma 3n's Gaussian top-k: gate activations below mean + z·std are zeroed, z = Φ⁻¹(sparsity).
  float activation_sparsity = 0.f;  // 0: a dense layer
  float sparsity_z = 0.f;
  // The KV store this layer attends over (ModelConfig::kv_store_owner): its own, or, for Gemma
  // 3n's KV-shared layers, another layer's, in which case it computes no keys or values.
  int32_t kv_store = -1;
};

// Gemma 3n's additions to the block diagram (absent: all zero). Read like the paper: AltUp keeps
// `altup_inputs` residual streams and runs the layer on stream `altup_active`; LAuReL adds a
// rank-`laurel_rank` residual; per-layer inputs feed a `per_layer_width` slice per layer from a
// table of `per_layer_vocab` rows.
struct Gemma3nParams {
  int32_t altup_inputs = 0;
  int32_t altup_active = 0;
  bool altup_correct_scale = false;
  float altup_coef_clip = 0.f;  // correction coefficients are clamped to ±clip (0: not)
  int64_t laurel_rank = 0;
  int64_t per_layer_width = 0;
  int64_t per_layer_vocab = 0;
  // The per-layer tables (embedding columns, model projection rows) hold table_layers slots of
  // per_layer_width; layer l uses slot slots[l] (a MatFormer slice skips some).
  int64_t table_layers = 0;
  std::vector<int32_t> slots;
};

struct ModelConfig {
  std::string architecture;  // "gemma", "gemma2", "gemma3"
  int64_t vocab_size = 0;
  int64_t hidden = 0;
  int64_t intermediate = 0;      // the widest layer's feed-forward width
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t context_length = 0;
  float norm_eps = 1e-6f;
  float embed_scale = 1.f;       // token embeddings are multiplied by sqrt(hidden)
  float attn_scale = 1.f;        // query_pre_attn_scalar^-0.5 (Gemma 2/3) or head_dim^-0.5
  float attn_softcap = 0.f;      // 0: none
  float final_softcap = 0.f;     // 0: none
  bool sandwich_norms = false;   // post-attention and pre/post-feed-forward norms (Gemma 2/3)
  bool qk_norm = false;          // RMSNorm on each query and key head (Gemma 3)
  bool norm_adds_one = true;     // RMSNorm scales by (1 + w): Gemma 1–3 (Gemma 3n scales by w)
  FfnActivation activation = FfnActivation::kGeluTanh;
  bool tied_embeddings = true;   // the output projection is the token embedding
  bool value_norm = false;       // scale-free RMSNorm on each value head (Gemma 3n)
  Gemma3nParams gemma3n;
  // Attention looks both ways (an encoder: EmbeddingGemma's use_bidirectional_attention). Whole
  // sequences go through in one forward pass; key_span says what each query sees.
  bool bidirectional = false;
  std::vector<LayerConfig> layers;
  // The layer that writes each KV store; layers[kv_store_owner[s]].kv_store == s.
  std::vector<int32_t> kv_store_owner;

  int64_t n_layers() const { return static_cast<int64_t>(layers.size()); }
  size_t n_kv_stores() const { return kv_store_owner.size(); }
  // Whether layer l computes keys and values (false for a layer reading another's store).
  bool writes_kv(size_t l) const { return kv_store_owner[static_cast<size_t>(layers[l].kv_store)] == static_cast<int32_t>(l); }
  // The configuration of the layer that owns store s (its window decides the store's ring).
  const LayerConfig& store_layer(size_t s) const { return layers[static_cast<size_t>(kv_store_owner[s])]; }
  int64_t q_dim() const { return n_heads * head_dim; }
  int64_t kv_dim() const { return n_kv_heads * head_dim; }
  // The widest window any sliding layer has (0 when none slides).
  int32_t max_window() const;
  // What a query of layer l sees. Causal: itself and everything before it, or on a sliding layer
  // the window - 1 positions before it. Bidirectional: every position of a global layer, and on a
  // sliding layer window / 2 on each side (transformers halves the stored window into the
  // exclusive bound window // 2 + 1 and unmasks |i - j| below it).
  KeySpan key_span(size_t l) const;
};

}  // namespace gemmakit
