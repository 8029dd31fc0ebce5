#include "kernels/matmul/panels.h"

#include <algorithm>
#include <cstdlib>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <cstring>
#include <new>
#include <string_view>

#include "kernels/bf16_gemm.h"
#include "kernels/matmul.h"
#include "kernels/matmul/dot_kernels.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void PackPanelsAvx512(const MatrixView& w, uint8_t* out, size_t p0, size_t p1);
#endif

bool PanelsAvailable(DType dtype) {
  return (dtype == DType::kQ8_0 || dtype == DType::kQ4_0) && BestDotKernels().isa == std::string_view("avx512");
}

size_t PanelQuantBytes(DType dtype) { return dtype == DType::kQ8_0 ? kQK * kPanelRows : kQK / 2 * kPanelRows; }
size_t PanelStride(DType dtype, size_t cols) { return cols / kQK * (PanelQuantBytes(dtype) + 2 * kPanelRows); }

size_t PanelBytes(DType dtype, size_t rows, size_t cols) {
  if (dtype == DType::kBF16) return BF16PanelWords(rows, cols) * sizeof(uint32_t);
  return (rows + kPanelRows - 1) / kPanelRows * PanelStride(dtype, cols);
}

void PackPanels(const MatrixView& w, uint8_t* out, Executor* ex) {
  if (w.dtype == DType::kBF16) {
    const size_t pairs = BF16Pairs(w.cols);
    return ParallelFor(ex, BF16PanelCount(w.rows), 16, [&](size_t p0, size_t p1) {
      const size_t r0 = p0 * kBF16PanelLanes, r1 = std::min(w.rows, p1 * kBF16PanelLanes);
      PackPanelsFromBF16(static_cast<const uint16_t*>(w.data) + r0 * w.cols, r1 - r0, w.cols,
                         reinterpret_cast<uint32_t*>(out) + p0 * pairs * kBF16PanelLanes);
    });
  }
#if defined(__x86_64__) || defined(_M_X64)
  const size_t panels = (w.rows + kPanelRows - 1) / kPanelRows;
  ParallelFor(ex, panels, 64, [&](size_t p0, size_t p1) { PackPanelsAvx512(w, out, p0, p1); });
#else
  (void)w, (void)out, (void)ex;
#endif
}

void PanelRowToBlocks(DType dtype, const uint8_t* panels, size_t cols, size_t r, void* dst) {
  if (dtype == DType::kBF16) {
    const size_t pairs = BF16Pairs(cols);
    const uint32_t* lane = reinterpret_cast<const uint32_t*>(panels) + (r / kBF16PanelLanes) * pairs * kBF16PanelLanes +
                           r % kBF16PanelLanes;
    uint16_t* out = static_cast<uint16_t*>(dst);
    for (size_t c = 0; c < cols; ++c) out[c] = static_cast<uint16_t>(lane[(c / 2) * kBF16PanelLanes] >> (16 * (c % 2)));
    return;
  }
  const size_t nb = cols / kQK, p = r / kPanelRows, lane = r % kPanelRows, quant_bytes = PanelQuantBytes(dtype);
  const uint8_t* panel = panels + p * PanelStride(dtype, cols);
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* q = panel + b * quant_bytes;
    uint16_t d;
    std::memcpy(&d, panel + nb * quant_bytes + 2 * (b * kPanelRows + lane), 2);
    if (dtype == DType::kQ8_0) {
      BlockQ8_0& blk = static_cast<BlockQ8_0*>(dst)[b];
      blk.d = d;
      for (size_t k = 0; k < kQK; ++k) blk.qs[k] = static_cast<int8_t>(q[(k / 4) * 64 + 4 * lane + k % 4] ^ 0x80);
    } else {
      BlockQ4_0& blk = static_cast<BlockQ4_0*>(dst)[b];
      blk.d = d;
      for (size_t j = 0; j < kQK / 2; ++j) blk.qs[j] = q[(j / 4) * 64 + 4 * lane + j % 4];
    }
  }
}

void AlignedBytes::Free::operator()(uint8_t* p) const { std::free(p); }

AlignedBytes AlignedBytes::Allocate(size_t size) {
  AlignedBytes b;
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t align = size >= kHugePage ? kHugePage : 64;
  b.data.reset(static_cast<uint8_t*>(std::aligned_alloc(align, (size + align - 1) / align * align)));
  if (!b.data && size) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Weights are streamed whole on every token: 2 MB pages spare the TLB misses of 4 KB ones.
  if (align == kHugePage) madvise(b.data.get(), (size + align - 1) / align * align, MADV_HUGEPAGE);
#endif
  b.size = size;
  return b;
}

}  // namespace gemmakit
