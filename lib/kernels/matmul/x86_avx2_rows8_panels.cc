// The 8-row panel layouts (rows8_panels.h): only the AVX2 tier's kernels read them, so they are
// packed with AVX2 (the transposes the in-place tiles do per call, once at load); the scalar code
// packs a matrix's last, partial panel and defines the inverse.
#include "kernels/matmul/rows8_panels.h"

#include <immintrin.h>

#include <array>
#include <cstring>

#include "kernels/matmul/x86_avx2_qgemm_tiles.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

// Bit position of element e's fifth bit in a Q5_0 panel lane.
constexpr unsigned FifthBitPosition(unsigned e) { return 8 * (e % 4) + e / 4; }

// bits[m][v]: qh byte m (elements 8m..8m+7) of value v, its bits at their panel positions.
struct SpreadTable {
  std::array<std::array<uint32_t, 256>, 4> bits{};
  constexpr SpreadTable() {
    for (unsigned m = 0; m < 4; ++m) {
      for (unsigned v = 0; v < 256; ++v) {
        uint32_t out = 0;
        for (unsigned i = 0; i < 8; ++i) out |= static_cast<uint32_t>((v >> i) & 1) << FifthBitPosition(8 * m + i);
        bits[m][v] = out;
      }
    }
  }
};
constexpr SpreadTable kSpread;

// The inverse: byte j of a lane holds elements 4i + j at bit i, so byte value v's bit i goes to bit
// 4i, then the byte's four tables shift by j (prompts unpack repacked rows through this).
struct GatherTable {
  std::array<uint32_t, 256> bits{};
  constexpr GatherTable() {
    for (unsigned v = 0; v < 256; ++v) {
      for (unsigned i = 0; i < 8; ++i) bits[v] |= static_cast<uint32_t>((v >> i) & 1) << (4 * i);
    }
  }
};
constexpr GatherTable kGather;

// What differs between the types: where a block keeps its quants, and Q5_0's fifth bits.
template <class Block>
struct Rows8Format {
  static constexpr size_t kQuantBytes = sizeof(Block::qs);
  static void PackFifthBits(const uint8_t*, uint8_t*) {}
  static void UnpackFifthBits(const uint8_t*, Block&) {}
};
template <>
struct Rows8Format<BlockQ5_0> {
  static constexpr size_t kQuantBytes = sizeof(BlockQ5_0::qs);
  // From the block's bytes (its qh), to the panel lane's.
  static void PackFifthBits(const uint8_t* block, uint8_t* lane) {
    const uint8_t* qh = block + offsetof(BlockQ5_0, qh);
    uint32_t h = 0;
    for (size_t m = 0; m < 4; ++m) h |= kSpread.bits[m][qh[m]];
    std::memcpy(lane, &h, 4);
  }
  static void UnpackFifthBits(const uint8_t* lane, BlockQ5_0& blk) {
    uint32_t qh = 0;
    for (unsigned j = 0; j < 4; ++j) qh |= kGather.bits[lane[j]] << j;
    for (size_t m = 0; m < 4; ++m) blk.qh[m] = static_cast<uint8_t>(qh >> (8 * m));
  }
};

template <class Block, DType kType>
void PackPartial(const uint8_t* w, size_t row_stride, size_t n_rows, size_t nb, uint8_t* panel) {
  using F = Rows8Format<Block>;
  constexpr size_t kBlockBytes = Rows8PanelBlockBytes(kType), kQuantRegs = F::kQuantBytes / 4;
  uint8_t* scales = panel + nb * kBlockBytes;
  for (size_t b = 0; b < nb; ++b) {
    uint8_t* out = panel + b * kBlockBytes;
    for (size_t r = 0; r < kRows8PanelRows; ++r) {
      Block blk{};
      if (r < n_rows) std::memcpy(&blk, w + r * row_stride + b * sizeof(Block), sizeof(Block));
      for (size_t k = 0; k < kQuantRegs; ++k) std::memcpy(out + 32 * k + 4 * r, blk.qs + 4 * k, 4);
      F::PackFifthBits(reinterpret_cast<const uint8_t*>(&blk), out + 32 * kQuantRegs + 4 * r);
      std::memcpy(scales + 16 * b + 2 * r, &blk.d, 2);
    }
  }
}

// 8 rows' 32 bytes at `off` as 8 registers, register k = dword k of every row, lane r = row r.
inline void TransposeRows8x8(const uint8_t* const (&row)[8], size_t off, __m256i (&q)[8]) {
  __m256i in[8];
  for (size_t r = 0; r < 8; ++r) in[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row[r] + off));
  TransposeDwords8x8(in, q);
}

template <class Block, DType kType>
void Pack(const uint8_t* w, size_t row_stride, size_t n_rows, size_t nb, uint8_t* panel) {
  if (n_rows < kRows8PanelRows) return PackPartial<Block, kType>(w, row_stride, n_rows, nb, panel);
  using F = Rows8Format<Block>;
  constexpr size_t kBlockBytes = Rows8PanelBlockBytes(kType), kQuantRegs = F::kQuantBytes / 4;
  const uint8_t* row[8];
  for (size_t r = 0; r < 8; ++r) row[r] = w + r * row_stride;
  uint8_t* scales = panel + nb * kBlockBytes;
  for (size_t b = 0; b < nb; ++b) {
    const size_t off = b * sizeof(Block);
    __m256i q[8];
    if constexpr (kQuantRegs == 8) {
      TransposeRows8x8(row, off + offsetof(Block, qs), q);
    } else {
      TransposeRows8(row, off + offsetof(Block, qs), q);
    }
    uint8_t* out = panel + b * kBlockBytes;
    for (size_t k = 0; k < kQuantRegs; ++k) _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * k), q[k]);
    for (size_t r = 0; r < 8; ++r) {
      F::PackFifthBits(row[r] + off, out + 32 * kQuantRegs + 4 * r);
      std::memcpy(scales + 16 * b + 2 * r, row[r] + off + offsetof(Block, d), 2);
    }
  }
}

template <class Block, DType kType>
void RowToBlocks(const uint8_t* panel, size_t nb, size_t lane, void* dst) {
  using F = Rows8Format<Block>;
  constexpr size_t kBlockBytes = Rows8PanelBlockBytes(kType), kQuantRegs = F::kQuantBytes / 4;
  const uint8_t* scales = panel + nb * kBlockBytes;
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* in = panel + b * kBlockBytes;
    Block blk{};
    std::memcpy(&blk.d, scales + 16 * b + 2 * lane, 2);
    for (size_t k = 0; k < kQuantRegs; ++k) std::memcpy(blk.qs + 4 * k, in + 32 * k + 4 * lane, 4);
    F::UnpackFifthBits(in + 32 * kQuantRegs + 4 * lane, blk);
    std::memcpy(static_cast<uint8_t*>(dst) + b * sizeof(Block), &blk, sizeof(Block));
  }
}

static_assert(Rows8PanelBlockBytes(DType::kQ8_0) + 16 == kRows8PanelRows * sizeof(BlockQ8_0), "same bytes");
static_assert(Rows8PanelBlockBytes(DType::kQ4_0) + 16 == kRows8PanelRows * sizeof(BlockQ4_0), "same bytes");
static_assert(Rows8PanelBlockBytes(DType::kQ5_0) + 16 == kRows8PanelRows * sizeof(BlockQ5_0), "same bytes");

}  // namespace

const QPanelLayout kQ8_0Rows8Panels = {DType::kQ8_0, kRows8PanelRows, Pack<BlockQ8_0, DType::kQ8_0>,
                                       RowToBlocks<BlockQ8_0, DType::kQ8_0>};
const QPanelLayout kQ4_0Rows8Panels = {DType::kQ4_0, kRows8PanelRows, Pack<BlockQ4_0, DType::kQ4_0>,
                                       RowToBlocks<BlockQ4_0, DType::kQ4_0>};
const QPanelLayout kQ5_0Rows8Panels = {DType::kQ5_0, kRows8PanelRows, Pack<BlockQ5_0, DType::kQ5_0>,
                                       RowToBlocks<BlockQ5_0, DType::kQ5_0>};

}  // namespace gemmakit
