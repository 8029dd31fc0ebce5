#include "model/gemma3n/gemma3n_weights.h"

#include <algorithm>
#include <string>

#include "io/mapped_file.h"
#include "model/weights.h"

namespace gemmakit {

Gemma3nWeights BindGemma3nWeights(const ModelConfig& c, std::shared_ptr<const TensorIndex> tensors,
                                  bool norms_include_one, const MatMulOptions& matmul) {
  const Gemma3nParams& g = c.gemma3n;
  Gemma3nWeights w;
  WeightBinder b(c, *tensors, norms_include_one, &w.n_params);
  const int64_t d = c.hidden, n_in = g.altup_inputs, ple = g.per_layer_width, slots = g.table_layers;
  for (int64_t k = 1; k < n_in; ++k) {
    const std::string i = std::to_string(k - 1);
    w.altup_projections.push_back(b.Matrix("altup_projections." + i + ".weight", d, d, "hidden_size, hidden_size"));
    w.altup_unembed_projections.push_back(b.Matrix("altup_unembed_projections." + i + ".weight", d, d, "hidden_size, hidden_size"));
  }
  w.per_layer_embed = b.Matrix("embed_tokens_per_layer.weight", g.per_layer_vocab, slots * ple,
                               "vocab_size_per_layer_input, num_hidden_layers * hidden_size_per_layer_input");
  // Read a row per token: without readahead, a row maps its own pages, not the megabytes around it
  // that would count as resident (the table is the largest tensor of E2B's file).
  AdviseRandomAccess(w.per_layer_embed.data, DTypeBytes(w.per_layer_embed.dtype, w.per_layer_embed.cols) * w.per_layer_embed.rows);
  w.per_layer_model_projection = b.Matrix("per_layer_model_projection.weight", slots * ple, d,
                                          "num_hidden_layers * hidden_size_per_layer_input, hidden_size");
  w.per_layer_projection_norm = b.Norm("per_layer_projection_norm.weight", ple, "hidden_size_per_layer_input");
  w.layers.resize(static_cast<size_t>(c.n_layers()));
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    Gemma3nLayerWeights& lw = w.layers[l];
    AltUpWeights& a = lw.altup;
    a.router_norm = b.Norm(p + "altup.router_norm.weight", d);
    a.modality_router = b.Floats(p + "altup.modality_router.weight", {n_in, d}, "altup_num_inputs, hidden_size");
    a.prediction_coefs = b.Floats(p + "altup.prediction_coefs.weight", {n_in * n_in, n_in}, "altup_num_inputs², altup_num_inputs");
    a.correction_coefs = b.Floats(p + "altup.correction_coefs.weight", {n_in, n_in}, "altup_num_inputs, altup_num_inputs");
    if (g.altup_coef_clip > 0.f) {
      for (float& x : a.correction_coefs) x = std::clamp(x, -g.altup_coef_clip, g.altup_coef_clip);
    }
    a.correct_output_scale = b.Floats(p + "altup.correct_output_scale", {d}, "hidden_size");
    lw.laurel.left = b.Matrix(p + "laurel.linear_left.weight", g.laurel_rank, d, "laurel_rank, hidden_size");
    lw.laurel.right = b.Matrix(p + "laurel.linear_right.weight", d, g.laurel_rank, "hidden_size, laurel_rank");
    lw.laurel.post_norm = b.Norm(p + "laurel.post_laurel_norm.weight", d);
    lw.per_layer_input.gate = b.Matrix(p + "per_layer_input_gate.weight", ple, d, "hidden_size_per_layer_input, hidden_size");
    lw.per_layer_input.projection = b.Matrix(p + "per_layer_projection.weight", d, ple, "hidden_size, hidden_size_per_layer_input");
    lw.per_layer_input.post_norm = b.Norm(p + "post_per_layer_input_norm.weight", d);
  }
  w.storage = std::move(tensors);
  // Counted with the towers they belong to (ModelInfo's parameters are the text model's).
  w.media_ids = BindMultimodalIdRows(c, *w.storage, matmul);
  return w;
}

}  // namespace gemmakit
