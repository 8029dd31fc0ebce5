#include "model/gemma3n/gemma3n_decoder.h"

#include <algorithm>
#include <cmath>

#include "gemmakit/status.h"
#include "kernels/activation.h"
#include "kernels/norm.h"
#include "model/gemma3n/altup.h"
#include "model/gemma3n/laurel.h"
#include "model/gemma3n/per_layer_inputs.h"

namespace gemmakit {

struct Gemma3nDecoder::Activations {
  size_t n = 0;
  std::vector<float> streams, predictions;  // [inputs, n, hidden]
  std::vector<float> per_layer_inputs;      // [n, layers, per_layer_width]
  std::vector<float> normed, laurel, attn, mixed, ffw, first;  // [n, hidden]
  BlockScratch s;
  const DebugTap* tap = nullptr;

  void Tap(const char* name, int layer, const float* t, size_t cols) const {
    if (tap && *tap) (*tap)(name, layer, t, n, cols);
  }
};

void Gemma3nDecoder::Layer(size_t il, const ForwardRequest& req, const std::vector<Segment>& segments, Activations& a,
                           Executor* ex) const {
  const LayerWeights& lw = w_.layers[il];
  const Gemma3nLayerWeights& xw = x_.layers[il];
  const Gemma3nParams& g = c_.gemma3n;
  const size_t n = a.n, d = static_cast<size_t>(c_.hidden);
  const int layer = static_cast<int>(il);
  const float eps = c_.norm_eps;

  AltUpPredict(xw.altup, g, a.streams.data(), n, d, eps, a.predictions.data(), ex);
  const float* active = a.predictions.data() + static_cast<size_t>(g.altup_active) * n * d;
  RmsNormRows(active, n, d, lw.input_norm.data(), eps, a.normed.data(), ex);
  Laurel(xw.laurel, a.normed.data(), n, d, static_cast<size_t>(g.laurel_rank), eps, a.laurel.data(), ex, mm_);
  SelfAttention(c_, il, lw, a.normed.data(), n, req, segments, a.s, a.attn.data(), ex, mm_);
  RmsNormRows(a.attn.data(), n, d, lw.post_attn_norm.data(), eps, a.attn.data(), ex);
  a.Tap("attn_out", layer, a.attn.data(), d);
  // The attention residual and LAuReL, averaged in magnitude.
  const float root2 = std::sqrt(2.f);
  ForPromptRows(ex, n, [&](size_t r0, size_t r1) {
    for (size_t i = r0 * d; i < r1 * d; ++i) a.mixed[i] = (active[i] + a.attn[i] + a.laurel[i]) / root2;
  });
  RmsNormRows(a.mixed.data(), n, d, lw.pre_ffw_norm.data(), eps, a.normed.data(), ex);
  GatedFeedForward(c_, il, lw, a.normed.data(), n, segments, a.s, a.ffw.data(), ex, mm_);
  AddBlockOutput(lw.post_ffw_norm.data(), eps, n, d, a.ffw.data(), a.mixed.data(), ex);
  a.Tap("layer_out", layer, a.mixed.data(), d);

  AltUpCorrect(xw.altup, g, a.predictions.data(), a.mixed.data(), n, d, eps, a.streams.data(), ex);
  const float* corrected = a.streams.data() + static_cast<size_t>(g.altup_active) * n * d;
  ForPromptRows(ex, n, [&](size_t r0, size_t r1) {
    for (size_t i = r0 * d; i < r1 * d; ++i) {
      a.first[i] = g.altup_correct_scale ? corrected[i] * xw.altup.correct_output_scale[i % d] : corrected[i];
    }
  });
  AddPerLayerInput(xw.per_layer_input, c_, il, a.first.data(), a.per_layer_inputs.data(), n, a.streams.data(), ex, mm_);
}

void Gemma3nDecoder::Run(const ForwardRequest& req, const std::vector<Segment>& segments, std::vector<float>& logits,
                         Executor* ex, const DebugTap* tap) const {
  const size_t n = req.n, d = static_cast<size_t>(c_.hidden);
  const size_t inputs = static_cast<size_t>(c_.gemma3n.altup_inputs);
  Activations a;
  a.n = n;
  a.tap = tap;
  a.streams.resize(inputs * n * d);
  a.predictions.resize(inputs * n * d);
  a.per_layer_inputs.resize(n * static_cast<size_t>(c_.n_layers() * c_.gemma3n.per_layer_width));
  for (auto* v : {&a.normed, &a.laurel, &a.attn, &a.mixed, &a.ffw, &a.first}) v->resize(n * d);
  a.s.Resize(c_, n);
  a.s.Place(segments);

  // Soft tokens replace their placeholders' embeddings; ids the media embedders own take their
  // rows (neither is scaled by sqrt(hidden)). Per-layer inputs still read row 0 for both.
  std::vector<float>& x0 = a.mixed;  // free until the first layer
  for (size_t i = 0; i < n; ++i) {
    float* row = &x0[i * d];
    if (req.soft_rows && req.soft_rows[i]) {
      std::copy_n(req.soft_rows[i], d, row);
    } else if (const float* media_row = x_.media_ids.Find(req.tokens[i], d)) {
      std::copy_n(media_row, d, row);
    } else {
      w_.embed.RowToF32(static_cast<size_t>(req.tokens[i]), row);
      for (size_t j = 0; j < d; ++j) row[j] *= c_.embed_scale;
    }
  }
  a.Tap("embed", -1, x0.data(), d);
  PerLayerInputs(x_, c_, req.tokens, x0.data(), n, a.per_layer_inputs.data(), ex, mm_);
  AltUpExpand(x_.altup_projections, x0.data(), n, d, a.streams.data(), ex, mm_);
  for (size_t il = 0; il < w_.layers.size(); ++il) Layer(il, req, segments, a, ex);

  const size_t first = req.all_logits ? 0 : n - 1, rows = n - first;
  AltUpCollapse(x_.altup_unembed_projections, a.streams.data(), n, d, first, rows, a.normed.data(), ex, mm_);
  RmsNorm(a.normed.data(), rows, d, w_.final_norm.data(), c_.norm_eps, a.normed.data());
  if (req.output_hidden) {
    logits.assign(a.normed.begin(), a.normed.begin() + static_cast<std::ptrdiff_t>(rows * d));
    return;
  }
  const size_t vocab = static_cast<size_t>(c_.vocab_size);
  logits.resize(rows * vocab);
  MatMul(a.normed.data(), rows, w_.lm_head, logits.data(), ex, mm_);
  if (c_.final_softcap > 0.f) SoftCap(logits.data(), logits.size(), c_.final_softcap);
}

std::vector<Decoder::FamilyTensor> Gemma3nDecoder::FamilyTensors() const {
  std::vector<FamilyTensor> out;
  auto matrix = [&](const std::string& name, const MatrixView& m) {
    out.push_back({name, m, nullptr, {static_cast<int64_t>(m.rows), static_cast<int64_t>(m.cols)}});
  };
  auto values = [&](const std::string& name, const std::vector<float>& v, std::vector<int64_t> shape) {
    out.push_back({name, MatrixView{}, &v, std::move(shape)});
  };
  const int64_t d = c_.hidden, n_in = c_.gemma3n.altup_inputs, ple = c_.gemma3n.per_layer_width;
  for (size_t k = 0; k < x_.altup_projections.size(); ++k) {
    matrix("altup_projections." + std::to_string(k) + ".weight", x_.altup_projections[k]);
    matrix("altup_unembed_projections." + std::to_string(k) + ".weight", x_.altup_unembed_projections[k]);
  }
  matrix("embed_tokens_per_layer.weight", x_.per_layer_embed);
  matrix("per_layer_model_projection.weight", x_.per_layer_model_projection);
  values("per_layer_projection_norm.weight", x_.per_layer_projection_norm, {ple});
  for (size_t l = 0; l < x_.layers.size(); ++l) {
    const Gemma3nLayerWeights& w = x_.layers[l];
    const std::string p = "layers." + std::to_string(l) + ".";
    values(p + "altup.router_norm.weight", w.altup.router_norm, {d});
    values(p + "altup.modality_router.weight", w.altup.modality_router, {n_in, d});
    values(p + "altup.prediction_coefs.weight", w.altup.prediction_coefs, {n_in * n_in, n_in});
    values(p + "altup.correction_coefs.weight", w.altup.correction_coefs, {n_in, n_in});
    values(p + "altup.correct_output_scale", w.altup.correct_output_scale, {d});
    matrix(p + "laurel.linear_left.weight", w.laurel.left);
    matrix(p + "laurel.linear_right.weight", w.laurel.right);
    values(p + "laurel.post_laurel_norm.weight", w.laurel.post_norm, {d});
    matrix(p + "per_layer_input_gate.weight", w.per_layer_input.gate);
    matrix(p + "per_layer_projection.weight", w.per_layer_input.projection);
    values(p + "post_per_layer_input_norm.weight", w.per_layer_input.post_norm, {d});
  }
  return out;
}

size_t Gemma3nDecoder::FamilyDecodeBytes() const {
  size_t bytes = 0;
  for (const FamilyTensor& t : FamilyTensors()) {
    if (t.matrix.data == x_.per_layer_embed.data) continue;  // a lookup, not a product
    bytes += t.values ? t.values->size() * sizeof(float) : DTypeBytes(t.matrix.dtype, t.matrix.rows * t.matrix.cols);
  }
  return bytes;
}

size_t Gemma3nDecoder::LookupTableBytes() const {
  return DTypeBytes(x_.per_layer_embed.dtype, x_.per_layer_embed.rows * x_.per_layer_embed.cols);
}

}  // namespace gemmakit
