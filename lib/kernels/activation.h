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

// Gemma 3n's Gaussian top-k: each row of x [n, width] keeps what exceeds mean + z · std (the
// population standard deviation of the row), shifted down by that cutoff; the rest becomes 0.
// With z = Φ⁻¹(p), a normally distributed row keeps its top 1 - p.
void GaussianTopK(float* x, size_t n, size_t width, float z);
// Φ⁻¹(p), the standard normal quantile, for 0 < p < 1.
float NormalQuantile(double p);

// x = cap · tanh(x / cap), in place. Gemma 2 caps attention scores and final logits this way.
void SoftCap(float* x, size_t n, float cap);

}  // namespace gemmakit
