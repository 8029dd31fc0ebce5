// Q5_0 rows repacked at load into 8-row panels for the AVX2 / AVX-VNNI tiles (x86_avx2_qgemm_tiles.h).
// Read in place, those tiles spend about a third of their instructions gathering 8 rows' quants,
// fifth bits and scales into registers with one row per 32-bit lane (transposes, shuffles, inserts),
// and Q5_0 decode is bound by those instructions, not by memory: a Q4_K_M file keeps the matrices of
// 1152 columns (q, k, gate, up: not whole super-blocks) in Q5_0, 40% of a Gemma 3 1B token's bytes.
// A panel holds 8 rows' blocks already in that order, in the same bytes as the rows' blocks (22 per
// block and row), so repacking costs no memory once the original pages are released:
//
//   panel = block[0 .. nb) then scales[0 .. nb)
//   block b (160 bytes): qs[k], k < 4: dword k of each row's 16 quant bytes (elements 4k..4k+3 in the
//                        low nibbles, 16+4k.. in the high), row r in 32-bit lane r (4 × 32 bytes);
//                        h: row r's 32 fifth bits in lane r, element e's at bit 8 · (e % 4) + e / 4,
//                        so that the bits of the register of elements 4j.. (or 16+4(j-4)..) sit at
//                        bit j of every byte: one shift puts them at 0x10 (32 bytes)
//   scales b (16 bytes): the 8 rows' f16 d
//
// Rows past the matrix (its last panel's) are zero. Panel p starts p · 8 · row bytes in, where row
// 8p's blocks started: the operator hands a kernel the same offsets either way.
#pragma once

#include <cstddef>
#include <cstdint>

namespace gemmakit {

constexpr size_t kQ5_0Panel8Rows = 8;
constexpr size_t kQ5_0Panel8BlockBytes = 160;  // quants and fifth bits of one block of 8 rows

// Rows [0, rows) (≤ 8, row_stride bytes apart, nb Q5_0 blocks each) as one panel at `panel`.
void PackQ5_0Panel8(const uint8_t* w, size_t row_stride, size_t rows, size_t nb, uint8_t* panel);

// Lane `lane` of a panel of nb blocks back in Q5_0 blocks (nb × 22 bytes): the exact inverse.
void Q5_0Panel8RowToBlocks(const uint8_t* panel, size_t nb, size_t lane, void* dst);

}  // namespace gemmakit
