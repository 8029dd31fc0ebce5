#include "kernels/matmul.h"

#include <algorithm>
#include <vector>

#include "kernels/vec.h"

namespace gemmakit {

void MatrixView::RowToF32(size_t r, float* dst) const {
  const size_t row_bytes = DTypeBytes(dtype, cols);
  ConvertToF32(dtype, static_cast<const char*>(data) + r * row_bytes, dst, cols);
}

void MatMulReference(const float* x, size_t n, const MatrixView& w, float* y) {
  std::vector<float> row(w.cols);
  for (size_t r = 0; r < w.rows; ++r) {
    w.RowToF32(r, row.data());
    for (size_t i = 0; i < n; ++i) {
      float acc = 0.f;
      for (size_t c = 0; c < w.cols; ++c) acc += x[i * w.cols + c] * row[c];
      y[i * w.rows + r] = acc;
    }
  }
}

namespace {

// Weight rows converted per tile; 4 rows keep four float32 rows of even large models in L1/L2.
constexpr size_t kRowTile = 4;

void MatMulRows(const float* x, size_t n, const MatrixView& w, float* y, size_t r0, size_t r1) {
  std::vector<float> rows(kRowTile * w.cols);
  const bool in_place = w.dtype == DType::kF32;
  for (size_t r = r0; r < r1; r += kRowTile) {
    const size_t nr = std::min(kRowTile, r1 - r);
    const float* wr[kRowTile];
    for (size_t j = 0; j < nr; ++j) {
      if (in_place) {
        wr[j] = static_cast<const float*>(w.data) + (r + j) * w.cols;
      } else {
        w.RowToF32(r + j, rows.data() + j * w.cols);
        wr[j] = rows.data() + j * w.cols;
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const float* xi = x + i * w.cols;
      for (size_t j = 0; j < nr; ++j) y[i * w.rows + r + j] = Dot(xi, wr[j], w.cols);
    }
  }
}

}  // namespace

void MatMul(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex) {
  const size_t tiles = (w.rows + kRowTile - 1) / kRowTile;
  // Each thread takes whole tiles: enough work per range that scheduling stays cheap.
  const size_t grain = std::max<size_t>(1, 4096 / (w.cols + 1));
  ParallelFor(ex, tiles, grain, [&](size_t t0, size_t t1) {
    MatMulRows(x, n, w, y, t0 * kRowTile, std::min(w.rows, t1 * kRowTile));
  });
}

}  // namespace gemmakit
