#include "kernels/bf16_gemm.h"

#include <algorithm>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul/gemm_panels.h"

namespace gemmakit {

namespace {

uint32_t Pair(uint16_t lo, uint16_t hi) { return lo | static_cast<uint32_t>(hi) << 16; }

}  // namespace

void PackPanelsFromF32(const float* src, size_t rows, size_t cols, size_t row_stride, size_t col_stride,
                       BF16Panels& out) {
  out.rows = rows;
  out.pairs = BF16Pairs(cols);
#if defined(__x86_64__) || defined(_M_X64)
  if (HasFastBF16Gemm() && (col_stride == 1 || row_stride == 1)) {
    out.words.resize(BF16PanelWords(rows, cols));
    if (col_stride == 1) return PackPanelsFromF32RowsAvx512(src, rows, cols, row_stride, out.words.data());
    return PackPanelsFromF32ColumnsAvx512(src, rows, cols, col_stride, out.words.data());
  }
#endif
  out.words.assign(out.n_panels() * out.pairs * kBF16PanelLanes, 0);
  for (size_t r = 0; r < rows; ++r) {
    uint32_t* dst = out.words.data() + (r / kBF16PanelLanes) * out.pairs * kBF16PanelLanes + r % kBF16PanelLanes;
    const float* row = src + r * row_stride;
    for (size_t k = 0; k < out.pairs; ++k) {
      const size_t c = 2 * k;
      const uint16_t lo = F32ToBF16(row[c * col_stride]);
      const uint16_t hi = c + 1 < cols ? F32ToBF16(row[(c + 1) * col_stride]) : 0;
      dst[k * kBF16PanelLanes] = Pair(lo, hi);
    }
  }
}

void PackPanelsFromBF16(const uint16_t* src, size_t rows, size_t cols, uint32_t* out) {
#if defined(__x86_64__) || defined(_M_X64)
  if (HasFastBF16Gemm()) return PackPanelsFromBF16Avx512(src, rows, cols, out);
#endif
  const size_t pairs = BF16Pairs(cols);
  std::fill_n(out, BF16PanelWords(rows, cols), 0u);
  for (size_t r = 0; r < rows; ++r) {
    uint32_t* dst = out + (r / kBF16PanelLanes) * pairs * kBF16PanelLanes + r % kBF16PanelLanes;
    const uint16_t* row = src + r * cols;
    size_t k = 0;
    for (; 2 * k + 1 < cols; ++k) dst[k * kBF16PanelLanes] = Pair(row[2 * k], row[2 * k + 1]);
    if (k < pairs) dst[k * kBF16PanelLanes] = Pair(row[2 * k], 0);
  }
}

void PackPanelsFromBF16(const uint16_t* src, size_t rows, size_t cols, BF16Panels& out) {
  out.rows = rows;
  out.pairs = BF16Pairs(cols);
  out.words.resize(BF16PanelWords(rows, cols));
  PackPanelsFromBF16(src, rows, cols, out.words.data());
}

void PackInputPairs(const float* x, size_t n, size_t cols, size_t stride, uint32_t* out) {
#if defined(__x86_64__) || defined(_M_X64)
  if (HasFastBF16Gemm()) return PackInputPairsAvx512(x, n, cols, stride, out);
#endif
  const size_t pairs = BF16Pairs(cols);
  for (size_t i = 0; i < n; ++i) {
    const float* row = x + i * stride;
    uint32_t* dst = out + i * pairs;
    for (size_t k = 0; k < pairs; ++k) {
      const size_t c = 2 * k;
      dst[k] = Pair(F32ToBF16(row[c]), c + 1 < cols ? F32ToBF16(row[c + 1]) : 0);
    }
  }
}

void GemmBF16Reference(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y,
                       size_t ldy) {
  const size_t r1 = std::min(w.rows, p1 * kBF16PanelLanes);
  for (size_t r = p0 * kBF16PanelLanes; r < r1; ++r) {
    const uint32_t* lane = w.panel(r / kBF16PanelLanes) + r % kBF16PanelLanes;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t* in = x + i * w.pairs;
      float acc = 0.f;
      for (size_t k = 0; k < w.pairs; ++k) {
        const uint32_t a = lane[k * kBF16PanelLanes], b = in[k];
        acc += BF16ToF32(static_cast<uint16_t>(a)) * BF16ToF32(static_cast<uint16_t>(b)) +
               BF16ToF32(static_cast<uint16_t>(a >> 16)) * BF16ToF32(static_cast<uint16_t>(b >> 16));
      }
      y[i * ldy + r] = acc;
    }
  }
}

bool HasFastBF16Gemm() { return CpuHasAvx512Bf16(); }

void GemmBF16(const BF16PanelsView& w, size_t p0, size_t p1, const uint32_t* x, size_t n, float* y, size_t ldy) {
#if defined(__x86_64__) || defined(_M_X64)
  if (HasFastBF16Gemm()) return GemmBF16PanelsAvx512(w, p0, p1, x, n, y, ldy);
#endif
  GemmBF16Reference(w, p0, p1, x, n, y, ldy);
}

}  // namespace gemmakit
