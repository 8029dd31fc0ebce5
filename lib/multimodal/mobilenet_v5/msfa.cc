#include "multimodal/mobilenet_v5/msfa.h"

#include <algorithm>
#include <cstring>

namespace gemmakit {
namespace {

// PyTorch's 'nearest': output pixel i reads input floor(i · in / out).
size_t Nearest(size_t i, size_t in, size_t out) { return std::min(i * in / out, in - 1); }

FeatureMap ConcatAtGrid(const std::vector<const FeatureMap*>& inputs, size_t h, size_t w, size_t channels) {
  FeatureMap cat(h, w, channels);
  size_t offset = 0;
  for (const FeatureMap* f : inputs) {
    for (size_t y = 0; y < h; ++y) {
      const size_t sy = Nearest(y, f->h, h);
      for (size_t x = 0; x < w; ++x) {
        const size_t sx = Nearest(x, f->w, w);
        std::memcpy(&cat.data[(y * w + x) * channels + offset], &f->data[(sy * f->w + sx) * f->c], f->c * sizeof(float));
      }
    }
    offset += f->c;
  }
  return cat;
}

FeatureMap AveragePool(const FeatureMap& x, size_t grid) {
  const size_t kh = x.h / grid, kw = x.w / grid;
  FeatureMap out(grid, grid, x.c);
  const float count = static_cast<float>(kh * kw);
  for (size_t gy = 0; gy < grid; ++gy) {
    for (size_t gx = 0; gx < grid; ++gx) {
      float* o = &out.data[(gy * grid + gx) * x.c];
      for (size_t y = gy * kh; y < (gy + 1) * kh; ++y) {
        for (size_t xx = gx * kw; xx < (gx + 1) * kw; ++xx) {
          const float* s = &x.data[(y * x.w + xx) * x.c];
          for (size_t c = 0; c < x.c; ++c) o[c] += s[c];
        }
      }
      for (size_t c = 0; c < x.c; ++c) o[c] /= count;
    }
  }
  return out;
}

}  // namespace

FeatureMap FuseScales(const MobileNetConfig& c, const MobileNetWeights& w, const std::vector<const FeatureMap*>& inputs,
                      Executor* ex, const MatMulOptions& mm) {
  const size_t h = inputs[0]->h, wd = inputs[0]->w;
  FeatureMap y = ConcatAtGrid(inputs, h, wd, static_cast<size_t>(c.msfa_in_ch));
  y = Pointwise(y, w.msfa_expand, ex, mm);
  NormAct(y, w.msfa_expand_norm, c.eps, /*gelu=*/true, ex);
  y = Pointwise(y, w.msfa_project, ex, mm);
  NormAct(y, w.msfa_project_norm, c.eps, /*gelu=*/false, ex);
  FeatureMap pooled = AveragePool(y, static_cast<size_t>(c.out_grid));
  NormAct(pooled, w.msfa_norm, c.eps, /*gelu=*/false, ex);
  return pooled;
}

}  // namespace gemmakit
