#include "kernels/attention/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/vec.h"

namespace gemmakit {
namespace {

// Keys and values are decoded one head at a time into `row` (f32 caches are read in place).
void AttendOne(const float* q, int32_t begin, int32_t end, size_t kv_head, const KvView& kv,
               const AttentionParams& params, std::vector<float>& scores, float* row, float* out) {
  const size_t d = kv.head_dim;
  std::fill(out, out + d, 0.f);
  if (end <= begin) return;
  scores.resize(static_cast<size_t>(end - begin));
  float max_score = -INFINITY;
  for (int32_t p = begin; p < end; ++p) {
    const float* k = KvDecodeHead(kv.type, kv.KeyHead(p, kv_head), d, row);
    float s = Dot(q, k, d) * params.scale;
    if (params.softcap > 0.f) s = params.softcap * std::tanh(s / params.softcap);
    scores[p - begin] = s;
    max_score = std::max(max_score, s);
  }
  float sum = 0.f;
  for (float& s : scores) {
    s = std::exp(s - max_score);
    sum += s;
  }
  const float inv = 1.f / sum;
  for (int32_t p = begin; p < end; ++p) {
    const float* v = KvDecodeHead(kv.type, kv.ValueHead(p, kv_head), d, row);
    Axpy(scores[p - begin] * inv, v, out, d);
  }
}

}  // namespace

void Attention(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
               const AttentionParams& params, float* out, Executor* ex) {
  const size_t d = kv.head_dim;
  const size_t group = n_heads / kv.n_kv_heads;
  ParallelFor(ex, n * n_heads, 1, [&](size_t t0, size_t t1) {
    std::vector<float> scores, row(d);
    for (size_t t = t0; t < t1; ++t) {
      const size_t i = t / n_heads, h = t % n_heads;
      AttendOne(q + t * d, mask.Begin(i), mask.End(i), h / group, kv, params, scores, row.data(), out + t * d);
    }
  });
}

}  // namespace gemmakit
