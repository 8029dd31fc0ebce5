#include "kernels/matmul/panels.h"

#include <algorithm>
#include <cstdlib>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <cstring>
#include <new>
#include <vector>

#include "kernels/bf16_gemm.h"
#include "kernels/cpu_features.h"
#include "kernels/matmul.h"
#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/matmul_table.h"
#include "kernels/matmul/rows8_panels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void PackPanelsAvx512(const MatrixView& w, uint8_t* out, size_t p0, size_t p1);
#endif

bool PanelsAvailable(DType dtype) { return MatMulUsesPanels(MatMulIsa(), dtype); }

size_t PanelQuantBytes(DType dtype) { return dtype == DType::kQ8_0 ? kQK * kPanelRows : kQK / 2 * kPanelRows; }
size_t PanelStride(DType dtype, size_t cols) { return cols / kQK * (PanelQuantBytes(dtype) + 2 * kPanelRows); }

namespace {

// The layout this CPU's micro-kernel for `dtype` reads instead of the blocks (QGemmUkernel::panels),
// if any: panels of MR rows in the rows' own bytes.
const QPanelLayout* UkernelPanels(DType dtype) {
  const MatMulPlan& plan = FindMatMulPlan(MatMulIsa(), dtype, 1);
  return plan.path == MatMulPath::kQGemm ? plan.ukernel->panels : nullptr;
}

}  // namespace

const QPanelLayout* RowPanelLayout(DType dtype) { return UkernelPanels(dtype); }

size_t PanelBytes(DType dtype, size_t rows, size_t cols) {
  if (dtype == DType::kBF16) return BF16PanelWords(rows, cols) * sizeof(uint32_t);
  if (const QPanelLayout* l = UkernelPanels(dtype)) return (rows + l->rows - 1) / l->rows * l->rows * DTypeBytes(dtype, cols);
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
  if (const QPanelLayout* l = UkernelPanels(w.dtype)) {
    const size_t row_bytes = DTypeBytes(w.dtype, w.cols), nb = w.cols / DTypeBlockElems(w.dtype);
    const auto* rows = static_cast<const uint8_t*>(w.data);
    return ParallelFor(ex, (w.rows + l->rows - 1) / l->rows, 64, [&](size_t p0, size_t p1) {
      for (size_t p = p0; p < p1; ++p) {
        const size_t r = p * l->rows;
        l->pack(rows + r * row_bytes, row_bytes, std::min(l->rows, w.rows - r), nb, out + r * row_bytes);
      }
    });
  }
#if defined(__x86_64__) || defined(_M_X64)
  const size_t panels = (w.rows + kPanelRows - 1) / kPanelRows;
  if (BestIsa() == Isa::kAvx512) {
    return ParallelFor(ex, panels, 64, [&](size_t p0, size_t p1) { PackPanelsAvx512(w, out, p0, p1); });
  }
#endif
  (void)w, (void)out, (void)ex;  // PanelsAvailable is false
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
  if (const QPanelLayout* l = UkernelPanels(dtype)) {
    const size_t row_bytes = DTypeBytes(dtype, cols);
    return l->row_to_blocks(panels + r / l->rows * l->rows * row_bytes, cols / DTypeBlockElems(dtype), r % l->rows, dst);
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

void RunPanelKernel(const MatrixView& w, const PackedInputsQ8& x, size_t n, float* y, size_t r0, size_t r1,
                    PanelPackFn pack, PanelKernelFn kernel) {
  const size_t nb = w.cols / kQK, stride = PanelStride(w.dtype, w.cols);
  if (w.panels) {
    const size_t p0 = r0 / kPanelRows, p1 = (r1 + kPanelRows - 1) / kPanelRows;
    return kernel(static_cast<const uint8_t*>(w.panels) + p0 * stride, stride, p1 - p0, r1 - r0, nb, x, n, y + r0,
                  w.rows);
  }
  const size_t chunk_rows =
      std::max<size_t>(2 * kPanelRows, (256 * 1024 / (w.cols + 1)) / (2 * kPanelRows) * (2 * kPanelRows));
  std::vector<uint8_t> chunk(PanelBytes(w.dtype, chunk_rows, w.cols));
  const size_t row_bytes = DTypeBytes(w.dtype, w.cols);
  for (size_t c0 = r0; c0 < r1; c0 += chunk_rows) {
    const size_t c1 = std::min(r1, c0 + chunk_rows), n_panels = (c1 - c0 + kPanelRows - 1) / kPanelRows;
    const MatrixView part{w.dtype, static_cast<const uint8_t*>(w.data) + c0 * row_bytes, c1 - c0, w.cols};
    pack(part, chunk.data(), 0, n_panels);
    kernel(chunk.data(), stride, n_panels, c1 - c0, nb, x, n, y + c0, w.rows);
  }
}

// Here, compiled for every CPU: the callers of the AVX-512 kernels.
void PackInputsQ8(const BlockQ8Act* xq, size_t n, size_t cols, DType weight_type, PackedInputsQ8& out) {
  const size_t nb = cols / kQK, n_padded = (n + kPackedInputsPad - 1) / kPackedInputsPad * kPackedInputsPad;
  const int32_t offset = weight_type == DType::kQ8_0 ? 128 : 8;
  out.q.assign(n_padded * nb * kQK, 0);
  out.correction.assign(n_padded * nb, 0);
  out.scale.assign(n_padded * nb, 0.f);
  for (size_t i = 0; i < n; ++i) {
    for (size_t b = 0; b < nb; ++b) {
      const BlockQ8Act& blk = xq[i * nb + b];
      int32_t sum = 0;
      for (int k = 0; k < kQK; ++k) sum += blk.qs[k];
      std::memcpy(out.q.data() + (i * nb + b) * kQK, blk.qs, kQK);
      out.correction[i * nb + b] = -offset * sum;
      out.scale[i * nb + b] = blk.d;
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
