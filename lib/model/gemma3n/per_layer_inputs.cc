#include "model/gemma3n/per_layer_inputs.h"

#include <cmath>
#include <vector>

#include "kernels/activation.h"
#include "kernels/norm.h"
#include "model/blocks.h"

namespace gemmakit {

void PerLayerInputs(const Gemma3nWeights& w, const ModelConfig& c, const int32_t* tokens, const float* x0, size_t n,
                    float* out, Executor* ex, const MatMulOptions& mm) {
  const Gemma3nParams& g = c.gemma3n;
  const size_t width = static_cast<size_t>(g.per_layer_width), slots = static_cast<size_t>(g.table_layers);
  const size_t stored_row = slots * width, row = static_cast<size_t>(c.n_layers()) * width;
  // Every stored slot is computed, then the layers' slots gathered (a MatFormer slice keeps some).
  std::vector<float> full(n * stored_row), table_row(stored_row);
  MatMul(x0, n, w.per_layer_model_projection, full.data(), ex, mm);
  const float projection_scale = 1.f / std::sqrt(static_cast<float>(c.hidden));
  for (float& v : full) v *= projection_scale;
  RmsNorm(full.data(), n * slots, width, w.per_layer_projection_norm.data(), c.norm_eps, full.data());
  const float table_scale = std::sqrt(static_cast<float>(width));
  const float sum_scale = 1.f / std::sqrt(2.f);
  for (size_t i = 0; i < n; ++i) {
    const int32_t t = tokens[i];
    const size_t id = t >= 0 && t < g.per_layer_vocab ? static_cast<size_t>(t) : 0;
    w.per_layer_embed.RowToF32(id, table_row.data());
    for (size_t l = 0; l < g.slots.size(); ++l) {
      const size_t slot = static_cast<size_t>(g.slots[l]);
      const float* p = &full[i * stored_row + slot * width];
      const float* e = &table_row[slot * width];
      float* o = out + i * row + l * width;
      for (size_t j = 0; j < width; ++j) o[j] = (p[j] + e[j] * table_scale) * sum_scale;
    }
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
  ForPromptRows(ex, n, [&](size_t r0, size_t r1) {
    float* a = &added[r0 * d];
    RmsNorm(a, r1 - r0, d, w.post_norm.data(), c.norm_eps, a);
    for (size_t k = 1; k < static_cast<size_t>(c.gemma3n.altup_inputs); ++k) {
      float* s = streams + (k * n + r0) * d;
      for (size_t i = 0; i < (r1 - r0) * d; ++i) s[i] += a[i];
    }
  });
}

}  // namespace gemmakit
