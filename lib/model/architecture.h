// The Gemma families this build knows, by the model_type their checkpoints declare, and the one
// place a checkpoint's hyper-parameters become a complete ModelConfig. A field the checkpoint
// leaves out takes the default of the family's transformers config class (GemmaConfig,
// Gemma2Config, Gemma3TextConfig), as transformers itself would load the folder; a value gemmakit
// cannot honour is an error that names the field, never a silent fallback.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "io/hparams.h"
#include "model/model_config.h"

namespace gemmakit {

// Takes each field from the checkpoint or the family's defaults and records which it was (the
// record is what `gemmakit info` shows).
class FieldResolver {
 public:
  FieldResolver(const HParams& hp, const char* config_class, std::vector<ConfigField>* out)
      : hp_(hp), config_class_(config_class), out_(out) {}

  // A field transformers cannot take as null (it would fail on it): null is an error here too.
  template <typename T>
  T Take(const char* name, const std::optional<T>& v, T fallback) {
    if (hp_.IsNull(name)) NullError(name);
    return Record(name, v, fallback);
  }
  // A field whose null transformers reads as its default, or that the forward pass never reads.
  template <typename T>
  T TakeNullAsDefault(const char* name, const std::optional<T>& v, T fallback) {
    return Record(name, v, fallback);
  }
  // A soft-cap: null means none, absent means the family's default.
  double TakeCap(const char* name, const std::optional<double>& v, double fallback);

  void Note(const std::string& name, const std::string& value, bool from_default) {
    if (out_) out_->push_back({name, value, from_default});
  }
  static std::string Format(int64_t v) { return std::to_string(v); }
  static std::string Format(double v);
  static std::string Format(bool v) { return v ? "true" : "false"; }
  static std::string Format(const std::string& v) { return v; }

 private:
  template <typename T>
  T Record(const char* name, const std::optional<T>& v, T fallback) {
    Note(name, Format(v.value_or(fallback)), !v.has_value());
    return v.value_or(fallback);
  }
  [[noreturn]] void NullError(const char* name) const;

  const HParams& hp_;
  const char* config_class_;
  std::vector<ConfigField>* out_;
};

// What a family's transformers config class defaults to, and the parts of the block diagram that
// make the family what it is. One per family file (gemma.cc, gemma2.cc, gemma3.cc).
struct GemmaFamily {
  const char* architecture;  // "gemma", "gemma2", "gemma3"
  const char* config_class;  // "GemmaConfig", ...: named in `gemmakit info` and in errors
  int64_t vocab_size, hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
      num_key_value_heads, head_dim, max_position_embeddings;
  double rms_norm_eps;
  double rope_theta;             // of global layers
  double rope_local_base_freq;   // of sliding layers; 0: they turn with rope_theta
  double query_pre_attn_scalar;  // 0: queries scale by head_dim^-0.5 whatever the config says
  int64_t sliding_window;        // 0: no layer slides
  int64_t sliding_window_pattern;  // every Nth layer is global (Gemma 2: 2, fixed)
  bool pattern_from_config;        // sliding_window_pattern / layer_types are read (Gemma 3)
  double attn_logit_softcapping, final_logit_softcapping;  // 0: none
  // Default of hidden_activation; Gemma 1 has none (null → gelu_pytorch_tanh, and hidden_act is
  // ignored: transformers' fix of March 2024).
  const char* hidden_activation;
  bool sandwich_norms, qk_norm, rope_scaling_global_only;
  bool norm_adds_one = true;           // RMSNorm scales by (1 + w); Gemma 3n's by w
  bool unit_attention_scale = false;   // scores are q·k unscaled (Gemma 3n: q and k are RMS-normed)
  // The family's own fields (Gemma 3n: AltUp, LAuReL, per-layer inputs, KV sharing, per-layer
  // FFN widths and sparsity), resolved after the common ones.
  void (*resolve_own_fields)(const HParams& hp, ModelConfig& c, FieldResolver& r) = nullptr;
};

const GemmaFamily& Gemma1Family();
const GemmaFamily& Gemma2Family();
const GemmaFamily& Gemma3Family();
const GemmaFamily& Gemma3nFamily();

// Throws Error(kUnsupported) for an unknown model_type or a feature gemmakit does not run (a rope
// type, an activation, bidirectional attention), Error(kFormatError) for values that are
// impossible (zero heads, heads that do not divide, ...). `fields`, when given, receives every
// resolved value and whether it came from the family's defaults.
ModelConfig ResolveModelConfig(const HParams& hp, std::vector<ConfigField>* fields = nullptr);

// Every layer writes and reads a KV store of its own (every family but Gemma 3n).
void AssignOwnKvStores(ModelConfig& c);

// The inverse: a resolved config as explicit hyper-parameters (every field written out), for
// writers of checkpoint files. Resolving the result gives `c` back.
HParams DescribeAsHParams(const ModelConfig& c);

}  // namespace gemmakit
