#include "model/gemma3n/matformer_slice.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "kernels/dtype.h"
#include "model/architecture.h"

namespace gemmakit {
namespace {

using nlohmann::json;

std::vector<int64_t> IntList(const json& j, const char* key) {
  std::vector<int64_t> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) Fail(Status::kFormatError, std::string("slice: '") + key + "' must be a list of integers");
  for (const json& v : *it) {
    if (!v.is_number_integer()) Fail(Status::kFormatError, std::string("slice: '") + key + "' must be a list of integers");
    out.push_back(v.get<int64_t>());
  }
  return out;
}

// Layer i's tensors, renamed to layer j, with the feed-forward cut to `width` hidden units.
void CopyLayer(const TensorIndex& in, size_t i, size_t j, int64_t width, TensorIndex& out) {
  const std::string from = "layers." + std::to_string(i) + ".", to = "layers." + std::to_string(j) + ".";
  for (const auto& [name, entry] : in.all()) {
    if (name.compare(0, from.size(), from) != 0) continue;
    const std::string rest = name.substr(from.size());
    TensorEntry e = entry;
    e.name = to + rest;
    if (rest == "mlp.gate_proj.weight" || rest == "mlp.up_proj.weight") {
      // The first `width` rows, in place.
      e.nbytes = DTypeBytes(e.dtype, static_cast<size_t>(width * e.shape[1]));
      e.shape[0] = width;
    } else if (rest == "mlp.down_proj.weight") {
      // The first `width` columns of every row: a copy.
      const size_t rows = static_cast<size_t>(e.shape[0]);
      const size_t src_row = DTypeBytes(e.dtype, static_cast<size_t>(e.shape[1])), dst_row = DTypeBytes(e.dtype, static_cast<size_t>(width));
      auto bytes = std::make_shared<std::vector<uint8_t>>(rows * dst_row);
      for (size_t r = 0; r < rows; ++r) {
        std::memcpy(bytes->data() + r * dst_row, static_cast<const uint8_t*>(entry.data) + r * src_row, dst_row);
      }
      e.data = bytes->data();
      e.nbytes = bytes->size();
      e.shape[1] = width;
      out.Own(bytes);
    }
    out.Add(std::move(e));
  }
}

}  // namespace

MatFormerSlice ParseMatFormerSlice(const std::string& json_text) {
  const json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) Fail(Status::kFormatError, "slice: not a JSON object");
  MatFormerSlice s;
  s.layers_skipped = IntList(j, "layers_skipped");
  const std::vector<int64_t> kept = IntList(j, "layers_kept");
  if (!kept.empty()) {
    if (!s.layers_skipped.empty()) Fail(Status::kFormatError, "slice: give 'layers_skipped' or 'layers_kept', not both");
    // Turned into skipped layers once the checkpoint's depth is known: negative marks "kept".
    for (int64_t k : kept) s.layers_skipped.push_back(-1 - k);
  }
  s.ffn_hidden_dims = IntList(j, "ffn_hidden_dims");
  return s;
}

void ApplyMatFormerSlice(const MatFormerSlice& slice, Checkpoint& ck) {
  const ModelConfig c = ResolveModelConfig(ck.hparams);
  if (c.architecture != "gemma3n") Fail(Status::kUnsupported, "MatFormer slicing applies to Gemma 3n checkpoints, not " + c.architecture);
  const int64_t n = c.n_layers();
  std::vector<bool> keep(static_cast<size_t>(n), true);
  const bool by_kept = !slice.layers_skipped.empty() && slice.layers_skipped[0] < 0;
  if (by_kept) keep.assign(static_cast<size_t>(n), false);
  for (int64_t v : slice.layers_skipped) {
    const int64_t l = by_kept ? -1 - v : v;
    if (l < 0 || l >= n || (by_kept && v >= 0)) {
      Fail(Status::kInvalidArgument, "slice: layer " + std::to_string(l) + " (" + (by_kept ? "layers_kept" : "layers_skipped") +
                                         ") is not one of the checkpoint's " + std::to_string(n) + " layers");
    }
    keep[static_cast<size_t>(l)] = by_kept;
  }
  std::vector<size_t> kept;
  for (size_t l = 0; l < keep.size(); ++l) {
    if (keep[l]) kept.push_back(l);
  }
  if (kept.empty()) Fail(Status::kInvalidArgument, "slice: no layer is kept");
  std::vector<int64_t> widths = slice.ffn_hidden_dims;
  if (widths.empty()) {
    for (size_t l : kept) widths.push_back(c.layers[l].ffn_width);
  } else if (widths.size() == static_cast<size_t>(n) && kept.size() != widths.size()) {
    std::vector<int64_t> of_kept;
    for (size_t l : kept) of_kept.push_back(widths[l]);
    widths = of_kept;
  }
  if (widths.size() != kept.size()) {
    Fail(Status::kInvalidArgument, "slice: ffn_hidden_dims has " + std::to_string(slice.ffn_hidden_dims.size()) +
                                       " widths for " + std::to_string(kept.size()) + " kept layers");
  }
  const int64_t first_shared = static_cast<int64_t>(c.n_kv_stores());  // stores 0.. are the first layers'
  HParams& hp = ck.hparams;
  const bool scales_given = !hp.activation_sparsity_scale.empty();
  std::vector<std::string> types;
  std::vector<double> sparsity, sparsity_z;
  std::vector<int32_t> slots;
  int64_t shared = 0;
  auto out = std::make_shared<TensorIndex>();
  for (size_t j = 0; j < kept.size(); ++j) {
    const size_t l = kept[j];
    const LayerConfig& lc = c.layers[l];
    const std::string field = "slice: ffn_hidden_dims[" + std::to_string(j) + "] = " + std::to_string(widths[j]);
    if (widths[j] < 1 || widths[j] > lc.ffn_width) {
      Fail(Status::kInvalidArgument, field + " is not in [1, " + std::to_string(lc.ffn_width) + "], layer " + std::to_string(l) + "'s stored width");
    }
    const TensorEntry* down = ck.tensors->Find("layers." + std::to_string(l) + ".mlp.down_proj.weight");
    if (down && static_cast<size_t>(widths[j]) % DTypeBlockElems(down->dtype) != 0) {
      Fail(Status::kInvalidArgument, field + " is not a whole number of " + DTypeName(down->dtype) + " blocks");
    }
    types.push_back(lc.sliding ? "sliding_attention" : "full_attention");
    sparsity.push_back(lc.activation_sparsity);
    sparsity_z.push_back(lc.activation_sparsity > 0.f ? lc.sparsity_z : -std::numeric_limits<double>::infinity());
    slots.push_back(c.gemma3n.slots[l]);
    shared += static_cast<int64_t>(l) >= first_shared ? 1 : 0;
    CopyLayer(*ck.tensors, l, j, widths[j], *out);
  }
  for (const auto& [name, entry] : ck.tensors->all()) {
    if (name.compare(0, 7, "layers.") != 0) out->Add(entry);
  }
  for (const auto& file : ck.tensors->files()) out->KeepAlive(file);
  for (const auto& bytes : ck.tensors->owned()) out->Own(bytes);
  ck.tensors = out;

  hp.num_hidden_layers = static_cast<int64_t>(kept.size());
  hp.intermediate_size.reset();
  hp.intermediate_sizes = widths;
  hp.layer_types = types;
  hp.activation_sparsity_pattern.clear();
  hp.activation_sparsity_scale.clear();
  // Keep the form the checkpoint gave (GGUF's Φ⁻¹ values exactly as stored).
  if (scales_given) {
    hp.activation_sparsity_scale = sparsity_z;
  } else {
    hp.activation_sparsity_pattern = sparsity;
  }
  hp.num_kv_shared_layers = shared;
  hp.per_layer_table_layers = c.gemma3n.table_layers;
  hp.per_layer_slots = slots;
}

}  // namespace gemmakit
