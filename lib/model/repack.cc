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
    const size_t bytes = DTypeBytes(m->dtype, m->rows * m->cols);
    const bool mapped = std::none_of(weights.owned.begin(), weights.owned.end(),
                                     [&](const std::vector<uint8_t>& o) { return o.data() == m->data; });
    if (mapped) PrefaultMappedPages(m->data, bytes);
    PackPanels(*m, next, ex);
    m->panels = next;
    next += Aligned(PanelBytes(m->dtype, m->rows, m->cols));
    if (mapped) {
      // Kept mapped for embedding lookups and GGUF export, which read it back from the file.
      ReleaseMappedPages(m->data, bytes);
    } else {
      for (std::vector<uint8_t>& o : weights.owned) {
        if (o.data() == m->data) std::vector<uint8_t>().swap(o);
      }
      m->data = nullptr;
    }
  }
  if (tied) weights.embed = weights.lm_head;
}

}  // namespace gemmakit
