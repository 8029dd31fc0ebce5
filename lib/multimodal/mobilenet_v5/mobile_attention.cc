#include "multimodal/mobilenet_v5/mobile_attention.h"

#include <algorithm>
#include <cmath>

#include "kernels/softmax.h"

namespace gemmakit {
namespace {

// Query rows scored at once: bounds the score buffer (rows × key pixels).
constexpr size_t kQueryRowsPerPass = 2048;

// The key or value head: [downsample → norm] → 1x1 to one head.
FeatureMap SharedHead(const MobileNetBlock& b, const FeatureMap& y, const DepthwiseNorm& down, const MatrixView& proj,
                      float eps, Executor* ex, const MatMulOptions& mm) {
  if (b.kv_stride <= 1) return Pointwise(y, proj, ex, mm);
  FeatureMap d = Depthwise(y, down.taps, static_cast<size_t>(b.kv_kernel), static_cast<size_t>(b.kv_stride), ex);
  NormAct(d, down.norm, eps, /*gelu=*/false, ex);
  return Pointwise(d, proj, ex, mm);
}

}  // namespace

FeatureMap MobileAttentionBlock(const MobileNetBlock& b, const MobileNetBlockWeights& w, const FeatureMap& x, float eps,
                                Executor* ex, const MatMulOptions& mm) {
  FeatureMap y = x;
  NormAct(y, w.norm, eps, /*gelu=*/false, ex);
  const FeatureMap q = Pointwise(y, w.query, ex, mm);
  const FeatureMap k = SharedHead(b, y, w.key_down, w.key, eps, ex, mm);
  const FeatureMap v = SharedHead(b, y, w.value_down, w.value, eps, ex, mm);
  const size_t kd = static_cast<size_t>(b.key_dim), vd = static_cast<size_t>(b.value_dim);
  const size_t n_keys = k.pixels();
  // With one shared key/value head, each (pixel, head) pair is simply another query row: q's
  // channels h·key_dim + j make [pixels·heads, key_dim] rows as stored, and the outputs
  // [pixels·heads, value_dim] are the heads concatenated per pixel.
  const size_t rows = q.pixels() * static_cast<size_t>(b.num_heads);
  std::vector<float> vt(vd * n_keys);
  for (size_t p = 0; p < n_keys; ++p) {
    for (size_t j = 0; j < vd; ++j) vt[j * n_keys + p] = v.data[p * vd + j];
  }
  const MatrixView keys{DType::kF32, k.data.data(), n_keys, kd};
  const MatrixView values_t{DType::kF32, vt.data(), vd, n_keys};
  FeatureMap heads(q.h, q.w, static_cast<size_t>(b.num_heads) * vd);
  std::vector<float> scores(std::min(rows, kQueryRowsPerPass) * n_keys);
  const float scale = 1.f / std::sqrt(static_cast<float>(kd));
  for (size_t r0 = 0; r0 < rows; r0 += kQueryRowsPerPass) {
    const size_t n = std::min(kQueryRowsPerPass, rows - r0);
    MatMul(q.data.data() + r0 * kd, n, keys, scores.data(), ex, mm);
    SoftmaxRows(scores.data(), n, n_keys, scale, ex);
    MatMul(scores.data(), n, values_t, heads.data.data() + r0 * vd, ex, mm);
  }
  FeatureMap out = Pointwise(heads, w.output, ex, mm);
  ScaleChannels(out, w.layer_scale, ex);
  if (b.residual) AddInPlace(out, x, ex);
  return out;
}

}  // namespace gemmakit
