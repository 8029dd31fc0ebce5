#include "model/repack.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "io/mapped_file.h"
#include "kernels/bf16_gemm.h"
#include "kernels/matmul/panels.h"

namespace gemmakit {
namespace {

// The matrices a token streams: the output matrix, an untied embedding, every layer's projections.
template <typename Fn>
void ForEachMatrix(ModelWeights& w, Fn fn) {
  fn(w.lm_head);
  if (w.embed.data != w.lm_head.data) fn(w.embed);
  for (LayerWeights& l : w.layers) {
    for (MatrixView* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) fn(*m);
  }
}

std::vector<MatrixView*> MatricesToRepack(ModelWeights& w, bool bf16_products) {
  std::vector<MatrixView*> out;
  const bool bf16 = bf16_products && HasFastBF16Gemm();
  ForEachMatrix(w, [&](MatrixView& m) {
    if (m.data && !m.panels && (PanelsAvailable(m.dtype) || (bf16 && m.dtype == DType::kBF16))) out.push_back(&m);
  });
  return out;
}

size_t Aligned(size_t bytes) { return (bytes + 63) / 64 * 64; }

bool Mapped(const ModelWeights& w, const MatrixView& m) {
  return std::none_of(w.owned.begin(), w.owned.end(), [&](const std::vector<uint8_t>& o) { return o.data() == m.data; });
}

std::vector<MatrixView*> MatricesToMove(ModelWeights& w) {
  std::vector<MatrixView*> out;
  ForEachMatrix(w, [&](MatrixView& m) {
    const bool dense = m.dtype == DType::kBF16 || m.dtype == DType::kF16 || m.dtype == DType::kF32;
    if (m.data && !m.panels && dense && Mapped(w, m)) out.push_back(&m);
  });
  return out;
}

// The mapped dense matrices copied into one arena of 2 MB pages, 32 MB slices at a time across
// the executor, each slice's file pages released once copied (the copy replaces them in memory).
void MoveDenseOutOfMapping(ModelWeights& weights, Executor* ex) {
  const bool tied = weights.embed.data == weights.lm_head.data;
  const std::vector<MatrixView*> todo = MatricesToMove(weights);
  if (todo.empty()) return;
  size_t total = 0;
  for (const MatrixView* m : todo) total += Aligned(DTypeBytes(m->dtype, m->rows * m->cols));
  weights.relocated = AlignedBytes::Allocate(total);
  constexpr size_t kSlice = size_t{32} << 20;
  struct Slice {
    const uint8_t* from;
    uint8_t* to;
    size_t bytes;
  };
  std::vector<Slice> slices;
  uint8_t* next = weights.relocated.data.get();
  for (MatrixView* m : todo) {
    const size_t bytes = DTypeBytes(m->dtype, m->rows * m->cols);
    const auto* from = static_cast<const uint8_t*>(m->data);
    for (size_t off = 0; off < bytes; off += kSlice) slices.push_back({from + off, next + off, std::min(kSlice, bytes - off)});
    m->data = next;
    next += Aligned(bytes);
  }
  ParallelFor(ex, slices.size(), 1, [&](size_t s0, size_t s1) {
    for (size_t s = s0; s < s1; ++s) {
      PrefaultMappedPages(slices[s].from, slices[s].bytes);
      std::memcpy(slices[s].to, slices[s].from, slices[s].bytes);
      ReleaseMappedPages(slices[s].from, slices[s].bytes);
    }
  });
  if (tied) weights.embed = weights.lm_head;
}

void RepackPanels(ModelWeights& weights, Executor* ex, bool bf16_products) {
  const bool tied = weights.embed.data == weights.lm_head.data;
  const std::vector<MatrixView*> todo = MatricesToRepack(weights, bf16_products);
  if (todo.empty()) return;
  // One arena for all: whole 2 MB pages for the model, not a partial one per matrix.
  size_t total = 0;
  for (const MatrixView* m : todo) total += Aligned(PanelBytes(m->dtype, m->rows, m->cols));
  weights.packed = AlignedBytes::Allocate(total);
  uint8_t* next = weights.packed.data.get();
  for (MatrixView* m : todo) {
    const bool mapped = Mapped(weights, *m);
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

}  // namespace

void RepackWeights(ModelWeights& weights, Executor* ex, bool bf16_products) {
  RepackPanels(weights, ex, bf16_products);
  MoveDenseOutOfMapping(weights, ex);
}

}  // namespace gemmakit
