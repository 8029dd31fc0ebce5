// The Gemma families this build knows, by the model_type their checkpoints declare.
#pragma once

#include <string>

#include "io/hparams.h"
#include "model/model_config.h"

namespace gemmakit {

// Throws Error(kUnsupported) for an unknown model_type and Error(kFormatError) for hyper-parameters
// that are missing or impossible (zero heads, heads that do not divide, ...).
ModelConfig ResolveModelConfig(const HParams& hp);

// One per family file (gemma.cc, gemma2.cc, gemma3.cc): defaults and layer pattern of that family.
ModelConfig ResolveGemma1(const HParams& hp);
ModelConfig ResolveGemma2(const HParams& hp);
ModelConfig ResolveGemma3(const HParams& hp);

// Shared by the family files: the fields every Gemma has, checked.
ModelConfig ResolveCommon(const HParams& hp, const char* architecture);
// query_pre_attn_scalar^-0.5, or head_dim^-0.5 when the config has no scalar.
float QueryScale(const HParams& hp, int64_t head_dim);
int32_t SlidingWindow(const HParams& hp, int64_t fallback);
// Marks layers sliding from an explicit layer_types list; false when the config has none.
bool ApplyLayerTypes(const HParams& hp, int32_t window, ModelConfig& c);

}  // namespace gemmakit
