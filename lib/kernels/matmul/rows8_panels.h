// The 32-blocks (Q8_0, Q4_0, Q5_0) repacked at load into 8-row panels for the AVX2 / AVX-VNNI tiles
// (x86_avx2_qgemm_tiles.h). Read in place, those tiles spend a third to a half of their instructions
// gathering 8 rows' quants, fifth bits and scales into registers with one row per 32-bit lane
// (transposes, shuffles, inserts, scalar loads), and decode is bound by those instructions, not by
// memory (a Q4_K_M file keeps the matrices of 1152 columns, q, k, gate and up, in Q5_0: 40% of a
// Gemma 3 1B token's bytes). A panel holds 8 rows' blocks already in that order, in the same bytes
// as the rows' blocks, so repacking costs no memory once the original pages are released:
//
//   panel = block[0 .. nb) then scales[0 .. nb)
//   block b: q[k]: dword k of each row's quant bytes, row r in 32-bit lane r (32 bytes each):
//              Q8_0 k < 8 (elements 4k..4k+3), Q4_0 / Q5_0 k < 4 (elements 4k.. in the low nibbles,
//              16+4k.. in the high);
//            Q5_0 then h: row r's 32 fifth bits in lane r, element e's at bit 8 · (e % 4) + e / 4,
//              so that the bits of the register of elements 4j.. (or 16+4(j-4)..) sit at bit j of
//              every byte: one shift puts them at 0x10 (32 bytes)
//   scales b (16 bytes): the 8 rows' f16 d
//
// Rows past the matrix (its last panel's) are zero. Panel p starts p · 8 · row bytes in, where row
// 8p's blocks started: the operator hands a kernel the same offsets either way.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dtype.h"

namespace gemmakit {

constexpr size_t kRows8PanelRows = 8;

// Bytes of one block of 8 rows' quants (and fifth bits) in a panel: Q8_0 256, Q4_0 128, Q5_0 160.
constexpr size_t Rows8PanelBlockBytes(DType dtype) {
  return dtype == DType::kQ8_0 ? 256 : dtype == DType::kQ4_0 ? 128 : 160;
}

// A load-time layout a micro-kernel reads (QGemmUkernel::panels): `rows` rows per panel, the same
// bytes per row as the blocks.
struct QPanelLayout {
  DType dtype;
  size_t rows;
  // Rows [0, n_rows) (≤ rows, row_stride bytes apart, nb blocks each) as one panel at `panel`.
  void (*pack)(const uint8_t* w, size_t row_stride, size_t n_rows, size_t nb, uint8_t* panel);
  // Lane `lane` of a panel of nb blocks back in blocks (nb block bytes): the exact inverse.
  void (*row_to_blocks)(const uint8_t* panel, size_t nb, size_t lane, void* dst);
};

extern const QPanelLayout kQ8_0Rows8Panels, kQ4_0Rows8Panels, kQ5_0Rows8Panels;

// The K-quant super-blocks (Q4_K, Q5_K, Q6_K) in 8-row panels for the K-quant × Q8_K32 decode kernels
// (x86_avx2_kquant_q8k.cc). Read in place, one row at a time, those kernels spend most of their
// instructions per 32 values on what 8 rows could share: decoding the packed 6-bit scales, the
// per-32 float multiply-add of the activations' scale and a horizontal sum per row. In a panel
// every 32-bit word of the 8 rows' super-block sits in one register, row r in lane r, so a
// register's vpmaddubsw sums 8 rows at once and one float step per 32 values serves all 8:
//
//   panel = super-block[0 .. nb), each sizeof(block) · 8 bytes:
//     word[k] for k < sizeof(block) / 4: 32-bit word k of each row's block, row r in lane r
//       (Q4_K: k = 0 d and dmin, 1..3 the packed scales and mins, 4..35 qs; Q5_K: as Q4_K with
//       4..11 qh, 12..43 qs; Q6_K: 0..31 ql, 32..47 qh, 48..51 scales)
//     then Q6_K's d, the block's last 2 bytes: the 8 rows' f16 (16 bytes)
//
// Rows past the matrix (its last panel's) are zero; panel p starts p · 8 · row bytes in.
extern const QPanelLayout kQ4_KRows8Panels, kQ5_KRows8Panels, kQ6_KRows8Panels;

}  // namespace gemmakit
