// timm's MobileNet-V5 definitions as data, keyed by the architecture name a Gemma 3n config gives
// ("mobilenetv5_300m_enc"): the block sequence in timm's block-string notation, the stem width and
// the fusion adapter's output grid. A config's model_args override any of them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/mobilenet_hparams.h"

namespace gemmakit {

struct MobileNetArchitecture {
  std::vector<std::vector<MobileNetBlockArgs>> stages;
  int64_t stem_size = 0;
  int64_t msfa_output_resolution = 0;
};

// Throws Error(kUnsupported) naming the architectures gemmakit knows.
MobileNetArchitecture FindMobileNetArchitecture(const std::string& name);

// One block in timm's notation, "<type>_<option><value>_...": "er_r1_k3_s2_e4_c128" (edge residual,
// 3x3, stride 2, expansion 4, 128 channels), "uir_r1_a5_k0_s1_e4_c640" (depthwise-start 5, no
// depthwise-mid), "mqa_r1_k3_h12_v2_s1_d64_c640" (12 heads, key/value downsampled ×2 by a 3x3
// depthwise conv, key dim 64). Throws Error(kUnsupported) for an unknown type or option.
MobileNetBlockArgs ParseTimmBlockString(const std::string& s);

}  // namespace gemmakit
