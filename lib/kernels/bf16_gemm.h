// Products of bf16 operands with float32 sums, for the compute-bound work where bf16's rounding is
// acceptable (Precision::kFast): prompt projections with bf16 weights, and attention over a whole
// image. AVX512_BF16's vdpbf16ps does 32 multiply-adds per instruction, twice the float32 FMA.
//
// Both operands are packed first. The "rows" operand (weight rows, keys, value columns) goes into
// 16-lane panels so one vector holds one column pair of 16 rows; the "inputs" operand into rows of
// bf16 pairs, broadcast one pair at a time. A register tile of 4 panels × 6 inputs keeps 24
// accumulators busy with 10 loads per 24 products.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/parallel.h"

namespace gemmakit {

constexpr size_t kBF16PanelLanes = 16;

inline size_t BF16Pairs(size_t cols) { return (cols + 1) / 2; }
inline size_t BF16PanelCount(size_t rows) { return (rows + kBF16PanelLanes - 1) / kBF16PanelLanes; }
// Words of the panel layout of a rows × cols matrix.
inline size_t BF16PanelWords(size_t rows, size_t cols) {
  return BF16PanelCount(rows) * BF16Pairs(cols) * kBF16PanelLanes;
}

// [panel][column pair][lane]: the word at lane l of panel p holds row 16p + l's columns 2k (low
// half) and 2k + 1 (high half); rows past `rows` and the odd column's partner are zero.
struct BF16PanelsView {
  const uint32_t* words = nullptr;
  size_t rows = 0;
  size_t pairs = 0;
  size_t stride = 0;  // words from one panel to the next; 0: pairs * lanes

  size_t n_panels() const { return BF16PanelCount(rows); }
  size_t panel_words() const { return stride ? stride : pairs * kBF16PanelLanes; }
  const uint32_t* panel(size_t p) const { return words + p * panel_words(); }
  // Column pairs [k0, k1) of every row: products over part of the columns only.
  BF16PanelsView Columns(size_t k0, size_t k1) const {
    return {words + k0 * kBF16PanelLanes, rows, k1 - k0, panel_words()};
  }
};

// Panels packed per call (attention's keys and values, weight rows not repacked at load).
struct BF16Panels {
  std::vector<uint32_t> words;
  size_t rows = 0;
  size_t pairs = 0;

  size_t n_panels() const { return BF16PanelCount(rows); }
  BF16PanelsView view() const { return {words.data(), rows, pairs}; }
};

// Element (r, c) of the source is src[r * row_stride + c * col_stride]: a transposed view packs
// with row_stride 1.
void PackPanelsFromF32(const float* src, size_t rows, size_t cols, size_t row_stride, size_t col_stride,
                       BF16Panels& out);
// Contiguous row-major bf16 rows (a BF16 weight matrix); the second form writes
// BF16PanelWords(rows, cols) words to `out` (a weight repacked at load).
void PackPanelsFromBF16(const uint16_t* src, size_t rows, size_t cols, BF16Panels& out);
void PackPanelsFromBF16(const uint16_t* src, size_t rows, size_t cols, uint32_t* out);

// n inputs of `cols` floats, `stride` floats apart, rounded to bf16 pairs: out[i * BF16Pairs(cols) + k].
void PackInputPairs(const float* x, size_t n, size_t cols, size_t stride, uint32_t* out);

// y[i * ldy + r] = Σ_c input_i[c] · row_r[c] for inputs i < n and the rows of panels [p0, p1);
// rows past w.rows are not written. Single-threaded: callers split panels or inputs.
void GemmBF16(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y, size_t ldy);
// The scalar definition (float32 sums of the same bf16 products) the SIMD kernel is tested against,
// and what GemmBF16 runs where AVX512_BF16 is missing.
void GemmBF16Reference(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y,
                       size_t ldy);

// Whether GemmBF16 runs the vdpbf16ps kernel (else the scalar one, far slower).
bool HasFastBF16Gemm();

}  // namespace gemmakit
