// The QGemmFn (ukernels.h) of a tile compiled once per number of inputs: calls the tile for n
// inputs, 1 to sizeof...(kTiles) (the kernel's NR), so a short last tile wastes no products.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/quant/activation_q8.h"

namespace gemmakit {

using QTileFn = void (*)(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y,
                         size_t ldy);

template <QTileFn... kTiles>
void QGemmByInputs(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb, float* y,
                   size_t ldy) {
  constexpr QTileFn kTable[] = {kTiles...};
  constexpr size_t kMax = sizeof...(kTiles);
  kTable[(n < kMax ? n : kMax) - 1](w, w_stride, rows, static_cast<const BlockQ8Act*>(x), nb, y, ldy);
}

}  // namespace gemmakit
