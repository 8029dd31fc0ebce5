// Rotary position embedding in the "rotate half" layout HuggingFace uses for Gemma: dimension i is
// paired with i + head_dim/2, and pair i turns by position · base^(-2i/head_dim) / scale.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gemmakit {

struct RopeParams {
  float base = 10000.f;
  float linear_scale = 1.f;  // positions are divided by this ("linear" rope_scaling)
};

// x: [n, n_heads, head_dim], rotated in place; positions: [n].
void ApplyRope(float* x, size_t n, size_t n_heads, size_t head_dim, const int32_t* positions,
               const RopeParams& params);

}  // namespace gemmakit
