// The K-quant 8-row panel layouts (rows8_panels.h): a transpose of 32-bit words, packed once per
// matrix at load. Portable code; it is also the definition the tests and the inverse rest on.
#include <cstring>

#include "kernels/matmul/rows8_panels.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

template <class Block>
struct KQuantRows8 {
  static constexpr size_t kWords = sizeof(Block) / 4, kTailBytes = sizeof(Block) % 4;
  static_assert(kTailBytes == 0 || kTailBytes == 2, "a block is whole words, or whole words and an f16");
  static constexpr size_t kPanelBlockBytes = sizeof(Block) * kRows8PanelRows;

  static void Pack(const uint8_t* w, size_t row_stride, size_t n_rows, size_t nb, uint8_t* panel) {
    for (size_t b = 0; b < nb; ++b) {
      uint8_t* out = panel + b * kPanelBlockBytes;
      for (size_t r = 0; r < kRows8PanelRows; ++r) {
        uint8_t blk[sizeof(Block)] = {};
        if (r < n_rows) std::memcpy(blk, w + r * row_stride + b * sizeof(Block), sizeof(Block));
        for (size_t k = 0; k < kWords; ++k) std::memcpy(out + 32 * k + 4 * r, blk + 4 * k, 4);
        if (kTailBytes) std::memcpy(out + 32 * kWords + 2 * r, blk + 4 * kWords, 2);
      }
    }
  }

  static void RowToBlocks(const uint8_t* panel, size_t nb, size_t lane, void* dst) {
    for (size_t b = 0; b < nb; ++b) {
      const uint8_t* in = panel + b * kPanelBlockBytes;
      uint8_t* blk = static_cast<uint8_t*>(dst) + b * sizeof(Block);
      for (size_t k = 0; k < kWords; ++k) std::memcpy(blk + 4 * k, in + 32 * k + 4 * lane, 4);
      if (kTailBytes) std::memcpy(blk + 4 * kWords, in + 32 * kWords + 2 * lane, 2);
    }
  }
};

static_assert(offsetof(BlockQ6_K, d) == 4 * (sizeof(BlockQ6_K) / 4), "Q6_K's d is its 2 trailing bytes");

}  // namespace

const QPanelLayout kQ4_KRows8Panels = {DType::kQ4_K, kRows8PanelRows, KQuantRows8<BlockQ4_K>::Pack,
                                       KQuantRows8<BlockQ4_K>::RowToBlocks};
const QPanelLayout kQ5_KRows8Panels = {DType::kQ5_K, kRows8PanelRows, KQuantRows8<BlockQ5_K>::Pack,
                                       KQuantRows8<BlockQ5_K>::RowToBlocks};
const QPanelLayout kQ6_KRows8Panels = {DType::kQ6_K, kRows8PanelRows, KQuantRows8<BlockQ6_K>::Pack,
                                       KQuantRows8<BlockQ6_K>::RowToBlocks};

}  // namespace gemmakit
