// The convolution family, over channels-last images ([height][width][channels] float32, the layout
// in which a 1x1 convolution is a MatMul over pixels and a per-pixel norm is a row norm). A regular
// convolution is Im2ColHwc followed by a MatMul with the PyTorch weight [out, in, k, k] read as
// [out, in·k·k]; a depthwise one runs directly. ConvReference is the scalar definition both are
// tested against.
#pragma once

#include <cstddef>

#include "kernels/parallel.h"

namespace gemmakit {

// Where a square k×k window with `stride` reads its input: padding before (top / left) and the
// output size. Padding after is implied (zeros past the input's end).
struct ConvGeometry {
  size_t in_h = 0, in_w = 0;
  size_t kernel = 1, stride = 1;
  size_t pad_top = 0, pad_left = 0;
  size_t out_h = 0, out_w = 0;
};

// TensorFlow's 'SAME' padding: ceil(n / stride) outputs, the total padding split with the odd pixel
// after (right / bottom), so a stride-2 3x3 window over an even size pads nothing before.
ConvGeometry SameConvGeometry(size_t in_h, size_t in_w, size_t kernel, size_t stride);

// cols: [(row_end - row_begin)·out_w, channels·k·k] for output rows [row_begin, row_end), column
// c·k·k + ky·k + kx (the order of a PyTorch weight row); zeros where the window reads padding.
// Callers go band by band so that the columns of a large image never exist all at once.
void Im2ColHwc(const float* x, size_t channels, const ConvGeometry& g, size_t row_begin, size_t row_end, float* cols,
               Executor* ex);

// y[oy][ox][c] = Σ x[iy][ix][c] · w[ky·k + kx][c]: one k×k filter per channel. w is the PyTorch
// weight [channels, 1, k, k] transposed to taps-major (DepthwiseTapsMajor).
void DepthwiseConvHwc(const float* x, size_t channels, const ConvGeometry& g, const float* w, float* y, Executor* ex);

// [channels, 1, k, k] → [k·k, channels].
void DepthwiseTapsMajor(const float* w, size_t channels, size_t kernel, float* out);

// The scalar definition (double sums): groups of in_ch / groups input channels, PyTorch weight
// [out_ch, in_ch / groups, k, k], optional bias [out_ch]; x: [in_h, in_w, in_ch], y: [out_h, out_w, out_ch].
void ConvReference(const float* x, size_t in_ch, const ConvGeometry& g, const float* w, const float* bias, size_t out_ch,
                   size_t groups, float* y);

}  // namespace gemmakit
