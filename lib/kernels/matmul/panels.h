// Matrices repacked at load into the layout their kernels read. This file's: Q8_0 and Q4_0 in
// 16-row panels, the layout the AVX-512 VNNI kernels
// read, for decode (one input) and prompts alike. A panel holds, for each 32-column block, the 16
// rows' quants interleaved 4 bytes per row, so that one vpdpbusd multiplies 16 rows by 4 weights
// against 4 input bytes broadcast from memory; then the 16 rows' f16 scales of every block. The
// bytes per block-row equal the GGUF block's (34 for Q8_0, 18 for Q4_0), so repacking costs no
// memory once the original pages are released.
//
//   panel = quants[block] then scales[block][16 × f16]
//   Q8_0 quants: 8 groups × [16 lanes × 4 bytes]; byte = weight + 128 (unsigned for vpdpbusd).
//   Q4_0 quants: 4 groups × [16 lanes × 4 bytes]; the block's quant bytes 4h..4h+3 as stored in
//         GGUF (low nibbles: elements 4h..4h+3; high nibbles: elements 16+4h..), weight + 8.
// The functions below also take the micro-kernels' own panels (QGemmUkernel::panels, the same
// bytes per row as the blocks: the AVX2 tier's 8-row panels, rows8_panels.h) and BF16's
// (kernels/bf16_gemm.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/dtype.h"
#include "kernels/parallel.h"

namespace gemmakit {

struct MatrixView;

constexpr size_t kPanelRows = 16;

// Whether this CPU's kernels for `dtype` read a panel layout (Q8_0 / Q4_0 with AVX-512 VNNI; Q8_0,
// Q4_0 and Q5_0 on the AVX2 tier; the matmul table, matmul_table.h, says which).
// BF16 matrices have a panel layout too (kernels/bf16_gemm.h), used only under
// Precision::kFast, when HasFastBF16Gemm(); PanelBytes, PackPanels and PanelRowToBlocks take it.
bool PanelsAvailable(DType dtype);
// Bytes of the panel layout of a rows × cols matrix (rows padded to a whole panel).
size_t PanelBytes(DType dtype, size_t rows, size_t cols);
// Bytes of one block's quants for 16 rows, and of a whole panel.
size_t PanelQuantBytes(DType dtype);
size_t PanelStride(DType dtype, size_t cols);

// Writes w (row-major GGUF blocks) in panel layout to `out` (PanelBytes, 64-byte aligned).
// Requires PanelsAvailable(w.dtype).
void PackPanels(const MatrixView& w, uint8_t* out, Executor* ex);

// The row-panel layout (rows8_panels.h) this CPU's kernels read for `dtype` instead of its blocks,
// if any: what a matrix repacked at load holds.
struct QPanelLayout;
const QPanelLayout* RowPanelLayout(DType dtype);

// Row r of a panel-layout matrix back in GGUF blocks (DTypeBytes(dtype, cols) bytes): the exact
// inverse of PackPanels.
void PanelRowToBlocks(DType dtype, const uint8_t* panels, size_t cols, size_t r, void* dst);

// 64-byte aligned bytes that a model owns (repacked or requantized matrices).
struct AlignedBytes {
  struct Free {
    void operator()(uint8_t* p) const;
  };
  std::unique_ptr<uint8_t, Free> data;
  size_t size = 0;
  static AlignedBytes Allocate(size_t size);
};

}  // namespace gemmakit
