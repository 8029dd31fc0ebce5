#include "model/repack.h"

#include <algorithm>
#include <vector>

#include "io/mapped_file.h"
#include "kernels/bf16_gemm.h"
#include "kernels/matmul/panels.h"

namespace gemmakit {
namespace {

std::vector<MatrixView*> MatricesToRepack(ModelWeights& w, bool bf16_products) {
  std::vector<MatrixView*> out;
  const bool bf16 = bf16_products && HasFastBF16Gemm();
  auto add = [&](MatrixView& m) {
    if (m.data && !m.panels && (PanelsAvailable(m.dtype) || (bf16 && m.dtype == DType::kBF16))) out.push_back(&m);
  };
  add(w.lm_head);
  if (w.embed.data != w.lm_head.data) add(w.embed);
  for (LayerWeights& l : w.layers) {
    for (MatrixView* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) add(*m);
  }
  return out;
}

size_t Aligned(size_t bytes) { return (bytes + 63) / 64 * 64; }

}  // namespace

void RepackWeights(ModelWeights& weights, Executor* ex, bool bf16_products) {
  const bool tied = weights.embed.data == weights.lm_head.data;
  const std::vector<MatrixView*> todo = MatricesToRepack(weights, bf16_products);
  if (todo.empty()) return;
  // One arena for all: whole 2 MB pages for the model, not a partial one per matrix.
  size_t total = 0;
  for (const MatrixView* m : todo) total += Aligned(PanelBytes(m->dtype, m->rows, m->cols));
  weights.packed = AlignedBytes::Allocate(total);
  uint8_t* next = weights.packed.data.get();
  for (MatrixView* m : todo) {
    const bool mapped = std::none_of(weights.owned.begin(), weights.owned.end(),
                                     [&](const std::vector<uint8_t>& o) { return o.data() == m->data; });
    // A slice at a time, so a mapped original and its repacked copy are never both resident
    // whole (the tied 262K-row output matrix is a third of a 270M model).
    const size_t row_bytes = DTypeBytes(m->dtype, m->cols);
    const size_t slice_rows = std::max<size_t>(kPanelRows, (size_t{32} << 20) / row_bytes / kPanelRows * kPanelRows);
    for (size_t r0 = 0; r0 < m->rows; r0 += slice_rows) {
      const size_t rows = std::min(slice_rows, m->rows - r0);
      MatrixView slice{m->dtype, static_cast<const uint8_t*>(m->data) + r0 * row_bytes, rows, m->cols};
      if (mapped) PrefaultMappedPages(slice.data, rows * row_bytes);
      PackPanels(slice, next + PanelBytes(m->dtype, r0, m->cols), ex);
      // Kept mapped for GGUF export and identity, which may read it back from the file.
      if (mapped) ReleaseMappedPages(slice.data, rows * row_bytes);
    }
    m->panels = next;
    next += Aligned(PanelBytes(m->dtype, m->rows, m->cols));
    if (!mapped) {
      for (std::vector<uint8_t>& o : weights.owned) {
        if (o.data() == m->data) std::vector<uint8_t>().swap(o);
      }
      m->data = nullptr;
    }
  }
  if (tied) weights.embed = weights.lm_head;
}

}  // namespace gemmakit
