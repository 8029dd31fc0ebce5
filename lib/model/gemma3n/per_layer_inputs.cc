#include "model/gemma3n/per_layer_inputs.h"

#include <cmath>
#include <vector>

#include "kernels/activation.h"
#include "kernels/norm.h"

namespace gemmakit {

void PerLayerInputs(const Gemma3nWeights& w, const ModelConfig& c, const int32_t* tokens, const float* x0, size_t n,
                    float* out, Executor* ex, const MatMulOptions& mm) {
  const size_t width = static_cast<size_t>(c.gemma3n.per_layer_width);
  const size_t row = static_cast<size_t>(c.n_layers()) * width;
  MatMul(x0, n, w.per_layer_model_projection, out, ex, mm);
  const float projection_scale = 1.f / std::sqrt(static_cast<float>(c.hidden));
  for (size_t i = 0; i < n * row; ++i) out[i] *= projection_scale;
  RmsNorm(out, n * static_cast<size_t>(c.n_layers()), width, w.per_layer_projection_norm.data(), c.norm_eps, out);
  const float table_scale = std::sqrt(static_cast<float>(width));
  const float sum_scale = 1.f / std::sqrt(2.f);
  std::vector<float> table_row(row);
  for (size_t i = 0; i < n; ++i) {
    const int32_t t = tokens[i];
    const size_t id = t >= 0 && t < c.gemma3n.per_layer_vocab ? static_cast<size_t>(t) : 0;
    w.per_layer_embed.RowToF32(id, table_row.data());
    float* o = out + i * row;
    for (size_t j = 0; j < row; ++j) o[j] = (o[j] + table_row[j] * table_scale) * sum_scale;
  }
}

void AddPerLayerInput(const PerLayerInputWeights& w, const ModelConfig& c, size_t layer, const float* first,
                      const float* per_layer_inputs, size_t n, float* streams, Executor* ex, const MatMulOptions& mm) {
  const size_t width = static_cast<size_t>(c.gemma3n.per_layer_width), d = static_cast<size_t>(c.hidden);
  const size_t row = static_cast<size_t>(c.n_layers()) * width;
  std::vector<float> gate(n * width), slice(n * width), added(n * d);
  MatMul(first, n, w.gate, gate.data(), ex, mm);
  for (size_t i = 0; i < n; ++i) {
    const float* src = per_layer_inputs + i * row + layer * width;
    std::copy(src, src + width, slice.begin() + static_cast<std::ptrdiff_t>(i * width));
  }
  (c.activation == FfnActivation::kGelu ? GeGluErf : GeGlu)(gate.data(), slice.data(), gate.data(), n * width);
  MatMul(gate.data(), n, w.projection, added.data(), ex, mm);
  RmsNorm(added.data(), n, d, w.post_norm.data(), c.norm_eps, added.data());
  for (size_t k = 1; k < static_cast<size_t>(c.gemma3n.altup_inputs); ++k) {
    float* s = streams + k * n * d;
    for (size_t i = 0; i < n * d; ++i) s[i] += added[i];
  }
}

}  // namespace gemmakit
