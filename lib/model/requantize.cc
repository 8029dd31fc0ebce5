#include "model/requantize.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "gemmakit/status.h"
#include "io/mapped_file.h"

namespace gemmakit {

DType EmbeddingTypeFor(DType target) {
  switch (target) {
    case DType::kQ4_0:
    case DType::kQ4_K:
    case DType::kQ5_K:
      return DType::kQ8_0;
    default:
      return target;
  }
}

namespace {

MatrixView Convert(const MatrixView& m, DType target, std::vector<std::vector<uint8_t>>& owned, Executor* ex) {
  if (m.dtype == target) return m;
  if (m.cols % DTypeBlockElems(target) != 0) {
    Fail(Status::kUnsupported, std::string("cannot convert a matrix of width ") + std::to_string(m.cols) + " to " +
                                   DTypeName(target) + ": the width is not a multiple of its block");
  }
  const size_t row_bytes = DTypeBytes(target, m.cols), src_row_bytes = DTypeBytes(m.dtype, m.cols);
  // A source in the mapped file gives its pages back as it is converted, so converting a folder
  // at load never holds the file's weights and their copies resident together (E2B: 8.9 GB of bf16).
  const bool mapped = std::none_of(owned.begin(), owned.end(),
                                   [&](const std::vector<uint8_t>& o) { return o.data() == m.data; });
  owned.emplace_back(row_bytes * m.rows);
  uint8_t* dst = owned.back().data();
  ParallelFor(ex, m.rows, 16, [&](size_t r0, size_t r1) {
    std::vector<float> row(m.cols);
    for (size_t r = r0; r < r1; ++r) {
      m.RowToF32(r, row.data());
      ConvertFromF32(target, row.data(), dst + r * row_bytes, m.cols);
    }
    if (mapped) ReleaseMappedPages(static_cast<const uint8_t*>(m.data) + r0 * src_row_bytes, (r1 - r0) * src_row_bytes);
  });
  return MatrixView{target, dst, m.rows, m.cols};
}

}  // namespace

void RequantizeWeights(ModelWeights& w, DType target, Executor* ex) {
  const bool tied = w.lm_head.data == w.embed.data;
  w.embed = Convert(w.embed, EmbeddingTypeFor(target), w.owned, ex);
  w.lm_head = tied ? w.embed : Convert(w.lm_head, EmbeddingTypeFor(target), w.owned, ex);
  for (LayerWeights& l : w.layers) {
    for (MatrixView* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      *m = Convert(*m, target, w.owned, ex);
    }
  }
}

void RequantizeWeights(ModelWeights& w, const QuantPreset& preset, const PresetModel& model, Executor* ex) {
  const bool tied = w.lm_head.data == w.embed.data;
  PresetModel m = model;
  m.tied_embeddings = tied;
  auto type_of = [&](const MatrixView& v, MatrixRole role, int layer) {
    return PresetMatrixType(preset, role, layer, v.cols, m);
  };
  w.embed = Convert(w.embed, type_of(w.embed, MatrixRole::kTokenEmbedding, 0), w.owned, ex);
  w.lm_head = tied ? w.embed : Convert(w.lm_head, type_of(w.lm_head, MatrixRole::kOutput, 0), w.owned, ex);
  for (size_t i = 0; i < w.layers.size(); ++i) {
    LayerWeights& l = w.layers[i];
    const int layer = static_cast<int>(i);
    const std::pair<MatrixView*, MatrixRole> matrices[] = {
        {&l.q_proj, MatrixRole::kAttnQ},       {&l.k_proj, MatrixRole::kAttnK},     {&l.v_proj, MatrixRole::kAttnV},
        {&l.o_proj, MatrixRole::kAttnOutput},  {&l.gate_proj, MatrixRole::kFfnGate}, {&l.up_proj, MatrixRole::kFfnUp},
        {&l.down_proj, MatrixRole::kFfnDown},
    };
    for (const auto& [v, role] : matrices) *v = Convert(*v, type_of(*v, role, layer), w.owned, ex);
  }
  w.file_type = static_cast<int32_t>(preset.file_type);
}

size_t DecodeBytes(const ModelWeights& w) {
  size_t bytes = DTypeBytes(w.lm_head.dtype, w.lm_head.rows * w.lm_head.cols);
  for (const LayerWeights& l : w.layers) {
    for (const MatrixView* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      bytes += DTypeBytes(m->dtype, m->rows * m->cols);
    }
  }
  return bytes;
}

}  // namespace gemmakit
