// Pointwise functions of the feed-forward block and of logit soft-capping.
#pragma once

#include <cstddef>

namespace gemmakit {

// GELU with the tanh approximation (PyTorch's gelu(approximate="tanh")).
float GeluTanh(float x);

// out[i] = gelu_tanh(gate[i]) * up[i]: the gated feed-forward (GeGLU) of every Gemma. The SIMD
// variants compute tanh through a polynomial exp (relative error ~1e-7).
void GeGlu(const float* gate, const float* up, float* out, size_t n);
void GeGluReference(const float* gate, const float* up, float* out, size_t n);

// out[i] = gelu(gate[i]) * up[i] with the exact, erf-based GELU (PyTorch's default gelu), for
// checkpoints whose config names "gelu". Scalar: no released Gemma uses it.
void GeGluErf(const float* gate, const float* up, float* out, size_t n);

// x = cap · tanh(x / cap), in place. Gemma 2 caps attention scores and final logits this way.
void SoftCap(float* x, size_t n, float cap);

}  // namespace gemmakit
