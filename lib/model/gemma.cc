// Gemma 1: every layer global, norm → attention → residual → norm → GeGLU → residual, attention
// scaled by head_dim^-0.5.
#include "model/architecture.h"

namespace gemmakit {

ModelConfig ResolveGemma1(const HParams& hp) { return ResolveCommon(hp, "gemma"); }

}  // namespace gemmakit
