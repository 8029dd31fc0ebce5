#include "multimodal/pil_resize.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

// Per output pixel: the first input pixel it reads and its fixed-point weights.
struct Coefficients {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> weights;  // [out][ksize]
};

double Triangle(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

Coefficients Precompute(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = 1.0 * filterscale;  // the bilinear filter's support is 1
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.weights.assign(static_cast<size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    // Pillow rounds with a cast after adding 0.5 (truncation toward zero).
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = Triangle((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      const double scaled = w * (1 << kPrecisionBits);
      c.weights[static_cast<size_t>(xx) * c.ksize + x] = static_cast<int32_t>(w < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

uint8_t Clip8(int64_t v) {
  if (v >= (int64_t{1} << kPrecisionBits << 8)) return 255;
  if (v <= 0) return 0;
  return static_cast<uint8_t>(v >> kPrecisionBits);
}

// Rows [row0, row0 + rows) of `in`, resized horizontally.
RgbImage Horizontal(const RgbImage& in, int row0, int rows, int out_w, const Coefficients& c) {
  RgbImage out;
  out.width = out_w;
  out.height = rows;
  out.pixels.resize(static_cast<size_t>(out_w) * rows * 3);
  for (int y = 0; y < rows; ++y) {
    const uint8_t* src = &in.pixels[static_cast<size_t>(row0 + y) * in.width * 3];
    uint8_t* dst = &out.pixels[static_cast<size_t>(y) * out_w * 3];
    for (int xx = 0; xx < out_w; ++xx) {
      const int32_t* k = &c.weights[static_cast<size_t>(xx) * c.ksize];
      for (int ch = 0; ch < 3; ++ch) {
        int64_t ss = int64_t{1} << (kPrecisionBits - 1);
        for (int x = 0; x < c.count[xx]; ++x) ss += static_cast<int64_t>(src[(x + c.first[xx]) * 3 + ch]) * k[x];
        dst[xx * 3 + ch] = Clip8(ss);
      }
    }
  }
  return out;
}

// `first` of the coefficients is relative to the first row `in` holds.
RgbImage Vertical(const RgbImage& in, int out_h, const Coefficients& c, int row_offset) {
  RgbImage out;
  out.width = in.width;
  out.height = out_h;
  out.pixels.resize(static_cast<size_t>(in.width) * out_h * 3);
  const size_t row_bytes = static_cast<size_t>(in.width) * 3;
  for (int yy = 0; yy < out_h; ++yy) {
    const int32_t* k = &c.weights[static_cast<size_t>(yy) * c.ksize];
    const int first = c.first[yy] - row_offset;
    uint8_t* dst = &out.pixels[static_cast<size_t>(yy) * row_bytes];
    for (size_t b = 0; b < row_bytes; ++b) {
      int64_t ss = int64_t{1} << (kPrecisionBits - 1);
      for (int y = 0; y < c.count[yy]; ++y) ss += static_cast<int64_t>(in.pixels[static_cast<size_t>(first + y) * row_bytes + b]) * k[y];
      dst[b] = Clip8(ss);
    }
  }
  return out;
}

}  // namespace

RgbImage ResizeBilinearPil(const RgbImage& in, int32_t width, int32_t height) {
  if (width <= 0 || height <= 0 || in.width <= 0 || in.height <= 0) Fail(Status::kInvalidArgument, "resize to or from an empty image");
  const bool horizontal = width != in.width, vertical = height != in.height;
  if (!horizontal && !vertical) return in;
  const Coefficients ch = Precompute(in.width, width);
  const Coefficients cv = Precompute(in.height, height);
  if (!horizontal) return Vertical(in, height, cv, 0);
  // Pillow resizes horizontally only the rows the vertical pass will read.
  const int row_first = cv.first[0];
  const int row_last = cv.first[height - 1] + cv.count[height - 1];
  RgbImage tmp = Horizontal(in, vertical ? row_first : 0, vertical ? row_last - row_first : in.height, width, ch);
  if (!vertical) return tmp;
  return Vertical(tmp, height, cv, row_first);
}

}  // namespace gemmakit
