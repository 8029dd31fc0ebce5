#include "kernels/matmul/rows8_panels.h"

#include <array>
#include <cstring>

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

// What differs between the types: where a block keeps its quants, and Q5_0's fifth bits.
template <class Block>
struct Rows8Format {
  static constexpr size_t kQuantBytes = sizeof(Block::qs);
  static constexpr bool kFifthBit = false;
  static void PackFifthBits(const Block&, uint8_t*) {}
  static void UnpackFifthBits(const uint8_t*, Block&) {}
};
template <>
struct Rows8Format<BlockQ5_0> {
  static constexpr size_t kQuantBytes = sizeof(BlockQ5_0::qs);
  static void PackFifthBits(const BlockQ5_0& blk, uint8_t* lane) {
    uint32_t h = 0;
    for (size_t m = 0; m < 4; ++m) h |= kSpread.bits[m][blk.qh[m]];
    std::memcpy(lane, &h, 4);
  }
  static void UnpackFifthBits(const uint8_t* lane, BlockQ5_0& blk) {
    uint32_t h, qh = 0;
    std::memcpy(&h, lane, 4);
    for (unsigned e = 0; e < 32; ++e) qh |= ((h >> FifthBitPosition(e)) & 1u) << e;
    for (size_t m = 0; m < 4; ++m) blk.qh[m] = static_cast<uint8_t>(qh >> (8 * m));
  }
};

template <class Block, DType kType>
void Pack(const uint8_t* w, size_t row_stride, size_t n_rows, size_t nb, uint8_t* panel) {
  using F = Rows8Format<Block>;
  constexpr size_t kBlockBytes = Rows8PanelBlockBytes(kType), kQuantRegs = F::kQuantBytes / 4;
  uint8_t* scales = panel + nb * kBlockBytes;
  for (size_t b = 0; b < nb; ++b) {
    uint8_t* out = panel + b * kBlockBytes;
    for (size_t r = 0; r < kRows8PanelRows; ++r) {
      Block blk{};
      if (r < n_rows) std::memcpy(&blk, w + r * row_stride + b * sizeof(Block), sizeof(Block));
      for (size_t k = 0; k < kQuantRegs; ++k) std::memcpy(out + 32 * k + 4 * r, blk.qs + 4 * k, 4);
      F::PackFifthBits(blk, out + 32 * kQuantRegs + 4 * r);
      std::memcpy(scales + 16 * b + 2 * r, &blk.d, 2);
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
