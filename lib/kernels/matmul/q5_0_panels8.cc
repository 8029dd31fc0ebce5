#include "kernels/matmul/q5_0_panels8.h"

#include <array>
#include <cstring>

#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

// Bit position of element e's fifth bit in a panel lane.
constexpr unsigned PanelBit(unsigned e) { return 8 * (e % 4) + e / 4; }

// kSpread[m][v]: qh byte m (elements 8m..8m+7) with value v, its bits at their panel positions.
struct SpreadTable {
  std::array<std::array<uint32_t, 256>, 4> bits{};
  constexpr SpreadTable() {
    for (unsigned m = 0; m < 4; ++m) {
      for (unsigned v = 0; v < 256; ++v) {
        uint32_t out = 0;
        for (unsigned i = 0; i < 8; ++i) out |= static_cast<uint32_t>((v >> i) & 1) << PanelBit(8 * m + i);
        bits[m][v] = out;
      }
    }
  }
};
constexpr SpreadTable kSpread;

}  // namespace

void PackQ5_0Panel8(const uint8_t* w, size_t row_stride, size_t rows, size_t nb, uint8_t* panel) {
  uint8_t* scales = panel + nb * kQ5_0Panel8BlockBytes;
  for (size_t b = 0; b < nb; ++b) {
    uint8_t* out = panel + b * kQ5_0Panel8BlockBytes;
    for (size_t r = 0; r < kQ5_0Panel8Rows; ++r) {
      BlockQ5_0 blk{};
      if (r < rows) std::memcpy(&blk, w + r * row_stride + b * sizeof(BlockQ5_0), sizeof(BlockQ5_0));
      for (size_t k = 0; k < 4; ++k) std::memcpy(out + 32 * k + 4 * r, blk.qs + 4 * k, 4);
      uint32_t h = 0;
      for (size_t m = 0; m < 4; ++m) h |= kSpread.bits[m][blk.qh[m]];
      std::memcpy(out + 128 + 4 * r, &h, 4);
      std::memcpy(scales + 16 * b + 2 * r, &blk.d, 2);
    }
  }
}

void Q5_0Panel8RowToBlocks(const uint8_t* panel, size_t nb, size_t lane, void* dst) {
  const uint8_t* scales = panel + nb * kQ5_0Panel8BlockBytes;
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* in = panel + b * kQ5_0Panel8BlockBytes;
    BlockQ5_0 blk;
    std::memcpy(&blk.d, scales + 16 * b + 2 * lane, 2);
    for (size_t k = 0; k < 4; ++k) std::memcpy(blk.qs + 4 * k, in + 32 * k + 4 * lane, 4);
    uint32_t h, qh = 0;
    std::memcpy(&h, in + 128 + 4 * lane, 4);
    for (unsigned e = 0; e < 32; ++e) qh |= ((h >> PanelBit(e)) & 1u) << e;
    for (size_t m = 0; m < 4; ++m) blk.qh[m] = static_cast<uint8_t>(qh >> (8 * m));
    std::memcpy(static_cast<uint8_t*>(dst) + b * sizeof(BlockQ5_0), &blk, sizeof(BlockQ5_0));
  }
}

}  // namespace gemmakit
