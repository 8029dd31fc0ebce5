// The Gemma families this build knows, by the model_type their checkpoints declare, and the one
// place a checkpoint's hyper-parameters become a complete ModelConfig. A field the checkpoint
// leaves out takes the default of the family's transformers config class (GemmaConfig,
// Gemma2Config, Gemma3TextConfig), as transformers itself would load the folder; a value gemmakit
// cannot honour is an error that names the field, never a silent fallback.
#pragma once

#include <string>
#include <vector>

#include "io/hparams.h"
#include "model/model_config.h"

namespace gemmakit {

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
};

const GemmaFamily& Gemma1Family();
const GemmaFamily& Gemma2Family();
const GemmaFamily& Gemma3Family();

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
