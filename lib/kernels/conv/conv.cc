#include "kernels/conv/conv.h"

#include <algorithm>
#include <cstring>

namespace gemmakit {
namespace {

// The input index a tap reads, or -1 in the padding.
inline ptrdiff_t Source(size_t out, size_t tap, size_t stride, size_t pad, size_t size) {
  const ptrdiff_t i = static_cast<ptrdiff_t>(out * stride + tap) - static_cast<ptrdiff_t>(pad);
  return i >= 0 && i < static_cast<ptrdiff_t>(size) ? i : -1;
}

size_t SamePad(size_t n, size_t kernel, size_t stride, size_t* out) {
  *out = (n + stride - 1) / stride;
  const ptrdiff_t total = static_cast<ptrdiff_t>((*out - 1) * stride + kernel) - static_cast<ptrdiff_t>(n);
  return total > 0 ? static_cast<size_t>(total) / 2 : 0;
}

}  // namespace

ConvGeometry SameConvGeometry(size_t in_h, size_t in_w, size_t kernel, size_t stride) {
  ConvGeometry g;
  g.in_h = in_h;
  g.in_w = in_w;
  g.kernel = kernel;
  g.stride = stride;
  g.pad_top = SamePad(in_h, kernel, stride, &g.out_h);
  g.pad_left = SamePad(in_w, kernel, stride, &g.out_w);
  return g;
}

void Im2ColHwc(const float* x, size_t channels, const ConvGeometry& g, size_t row_begin, size_t row_end, float* cols,
               Executor* ex) {
  const size_t k = g.kernel, taps = k * k, row = channels * taps;
  ParallelFor(ex, row_end - row_begin, 1, [&](size_t y0, size_t y1) {
    for (size_t oy = row_begin + y0; oy < row_begin + y1; ++oy) {
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        float* dst = cols + ((oy - row_begin) * g.out_w + ox) * row;
        for (size_t ky = 0; ky < k; ++ky) {
          const ptrdiff_t iy = Source(oy, ky, g.stride, g.pad_top, g.in_h);
          for (size_t kx = 0; kx < k; ++kx) {
            const ptrdiff_t ix = Source(ox, kx, g.stride, g.pad_left, g.in_w);
            float* d = dst + ky * k + kx;
            if (iy < 0 || ix < 0) {
              for (size_t c = 0; c < channels; ++c) d[c * taps] = 0.f;
              continue;
            }
            const float* s = x + (static_cast<size_t>(iy) * g.in_w + static_cast<size_t>(ix)) * channels;
            for (size_t c = 0; c < channels; ++c) d[c * taps] = s[c];
          }
        }
      }
    }
  });
}

void DepthwiseConvHwc(const float* x, size_t channels, const ConvGeometry& g, const float* w, float* y, Executor* ex) {
  const size_t k = g.kernel;
  ParallelFor(ex, g.out_h, 1, [&](size_t y0, size_t y1) {
    for (size_t oy = y0; oy < y1; ++oy) {
      for (size_t ox = 0; ox < g.out_w; ++ox) {
        float* acc = y + (oy * g.out_w + ox) * channels;
        std::fill(acc, acc + channels, 0.f);
        for (size_t ky = 0; ky < k; ++ky) {
          const ptrdiff_t iy = Source(oy, ky, g.stride, g.pad_top, g.in_h);
          if (iy < 0) continue;
          for (size_t kx = 0; kx < k; ++kx) {
            const ptrdiff_t ix = Source(ox, kx, g.stride, g.pad_left, g.in_w);
            if (ix < 0) continue;
            const float* s = x + (static_cast<size_t>(iy) * g.in_w + static_cast<size_t>(ix)) * channels;
            const float* t = w + (ky * k + kx) * channels;
            for (size_t c = 0; c < channels; ++c) acc[c] += s[c] * t[c];
          }
        }
      }
    }
  });
}

void DepthwiseTapsMajor(const float* w, size_t channels, size_t kernel, float* out) {
  const size_t taps = kernel * kernel;
  for (size_t c = 0; c < channels; ++c) {
    for (size_t t = 0; t < taps; ++t) out[t * channels + c] = w[c * taps + t];
  }
}

void ConvReference(const float* x, size_t in_ch, const ConvGeometry& g, const float* w, const float* bias, size_t out_ch,
                   size_t groups, float* y) {
  const size_t k = g.kernel, group_in = in_ch / groups, group_out = out_ch / groups;
  for (size_t oy = 0; oy < g.out_h; ++oy) {
    for (size_t ox = 0; ox < g.out_w; ++ox) {
      for (size_t o = 0; o < out_ch; ++o) {
        const size_t first_in = (o / group_out) * group_in;
        double sum = bias ? bias[o] : 0.0;
        for (size_t i = 0; i < group_in; ++i) {
          for (size_t ky = 0; ky < k; ++ky) {
            for (size_t kx = 0; kx < k; ++kx) {
              const ptrdiff_t iy = Source(oy, ky, g.stride, g.pad_top, g.in_h);
              const ptrdiff_t ix = Source(ox, kx, g.stride, g.pad_left, g.in_w);
              if (iy < 0 || ix < 0) continue;
              const float xv = x[(static_cast<size_t>(iy) * g.in_w + static_cast<size_t>(ix)) * in_ch + first_in + i];
              sum += static_cast<double>(xv) * w[((o * group_in + i) * k + ky) * k + kx];
            }
          }
        }
        y[(oy * g.out_w + ox) * out_ch + o] = static_cast<float>(sum);
      }
    }
  }
}

}  // namespace gemmakit
