#include "model/repack.h"

#include <algorithm>

#include "io/mapped_file.h"
#include "kernels/matmul/panels.h"

namespace gemmakit {
namespace {

void Repack(ModelWeights& weights, MatrixView& m, Executor* ex) {
  if (!m.data || m.panels || !PanelsAvailable(m.dtype)) return;
  AlignedBytes packed = AlignedBytes::Allocate(PanelBytes(m.dtype, m.rows, m.cols));
  PackPanels(m, packed.data.get(), ex);
  m.panels = packed.data.get();
  weights.packed.push_back(std::move(packed));
  const size_t bytes = DTypeBytes(m.dtype, m.rows * m.cols);
  auto owner = std::find_if(weights.owned.begin(), weights.owned.end(),
                            [&](const std::vector<uint8_t>& o) { return o.data() == m.data; });
  if (owner != weights.owned.end()) {
    std::vector<uint8_t>().swap(*owner);
    m.data = nullptr;
  } else {
    ReleaseMappedPages(m.data, bytes);
  }
}

}  // namespace

void RepackWeights(ModelWeights& weights, Executor* ex) {
  const bool tied = weights.lm_head.data == weights.embed.data;
  Repack(weights, weights.lm_head, ex);
  if (tied) {
    weights.embed = weights.lm_head;
  } else {
    Repack(weights, weights.embed, ex);
  }
  for (LayerWeights& l : weights.layers) {
    for (MatrixView* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      Repack(weights, *m, ex);
    }
  }
}

}  // namespace gemmakit
