#include "multimodal/audio/conformer_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/matmul.h"

namespace gemmakit {
namespace {

float Softplus(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }

float Dot(const float* a, const float* b, size_t n) {
  float s = 0.f;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace

std::vector<float> RelativePositionTimings(const AudioConfig& c) {
  const size_t d = static_cast<size_t>(c.hidden), half = d / 2;
  const size_t span = static_cast<size_t>(c.max_past + c.max_future + 1);
  const double increment = std::log(1.0e4) / static_cast<double>(std::max<size_t>(half - 1, 1));
  std::vector<float> inv(half);
  for (size_t i = 0; i < half; ++i) inv[i] = std::exp(static_cast<float>(i) * static_cast<float>(-increment));
  std::vector<float> out(span * d);
  for (size_t f = 0; f < span; ++f) {
    const float distance = static_cast<float>(c.max_past - static_cast<int64_t>(f));
    for (size_t i = 0; i < half; ++i) {
      const float t = distance * inv[i];
      out[f * d + i] = std::sin(t);
      out[f * d + half + i] = std::cos(t);
    }
  }
  return out;
}

void ConformerAttention(const AudioConfig& c, const ConformerLayerWeights& l, const float* x, const uint8_t* valid,
                        size_t steps, float* out, Executor* ex, const MatMulOptions& mm) {
  const size_t d = static_cast<size_t>(c.hidden), heads = static_cast<size_t>(c.n_heads);
  const size_t hd = static_cast<size_t>(c.head_dim);
  const size_t chunk = static_cast<size_t>(c.chunk), context = static_cast<size_t>(c.context);
  const int64_t past = c.max_past;
  const size_t span = static_cast<size_t>(c.max_past + c.max_future + 1);
  std::vector<float> q(steps * d), k(steps * d), v(steps * d);
  MatMul(x, steps, l.q, q.data(), ex, mm);
  MatMul(x, steps, l.k, k.data(), ex, mm);
  MatMul(x, steps, l.v, v.data(), ex, mm);
  // Row f: the projected sinusoid of distance max_past - f, per head.
  std::vector<float> pos(span * d);
  {
    const std::vector<float> timings = RelativePositionTimings(c);
    MatMul(timings.data(), span, l.pos_proj, pos.data(), ex, mm);
  }
  std::vector<float> scale(hd);
  const float q_scale = (1.f / std::sqrt(static_cast<float>(hd))) / Softplus(0.f);
  for (size_t j = 0; j < hd; ++j) scale[j] = q_scale * Softplus(l.per_dim_scale[j]);
  for (size_t t = 0; t < steps; ++t) {
    for (size_t j = 0; j < d; ++j) q[t * d + j] *= scale[j % hd];
  }

  const size_t blocks = (steps + chunk - 1) / chunk;
  const float cap = c.logit_cap;
  ParallelFor(ex, blocks * heads, 1, [&](size_t i0, size_t i1) {
    std::vector<float> logits(context);
    std::vector<uint8_t> allowed(context);
    for (size_t item = i0; item < i1; ++item) {
      const size_t u = item / heads, n = item % heads;
      for (size_t w = 0; w < chunk; ++w) {
        const size_t tq = u * chunk + w;
        if (tq >= steps) break;  // the last block's padding queries are cut off by the reference
        const float* qr = &q[tq * d + n * hd];
        float best = -std::numeric_limits<float>::infinity();
        bool any = false;
        for (size_t cidx = 0; cidx < context; ++cidx) {
          // Key at context offset cidx: step u·chunk - max_past + cidx.
          const int64_t tk = static_cast<int64_t>(u * chunk + cidx) - past;
          const bool in_clip = tk >= 0 && tk < static_cast<int64_t>(steps);
          const bool in_window = cidx >= w && cidx - w < span;
          allowed[cidx] = in_clip && in_window && valid[tk] != 0;
          if (!allowed[cidx]) continue;
          // Relative term: distance tq - tk = max_past - (cidx - w), row cidx - w of pos.
          const float ac = Dot(qr, &k[static_cast<size_t>(tk) * d + n * hd], hd);
          const float bd = Dot(qr, &pos[(cidx - w) * d + n * hd], hd);
          const float s = std::tanh((ac + bd) / cap) * cap;
          logits[cidx] = s;
          best = std::max(best, s);
          any = true;
        }
        float* o = &out[tq * d + n * hd];
        std::fill(o, o + hd, 0.f);
        if (!any) {
          // Every logit masked to the same lowest float: softmax is uniform over the whole
          // context, padding (zero values) included.
          for (size_t cidx = 0; cidx < context; ++cidx) {
            const int64_t tk = static_cast<int64_t>(u * chunk + cidx) - past;
            if (tk < 0 || tk >= static_cast<int64_t>(steps)) continue;
            const float* vr = &v[static_cast<size_t>(tk) * d + n * hd];
            for (size_t j = 0; j < hd; ++j) o[j] += vr[j] / static_cast<float>(context);
          }
          continue;
        }
        float sum = 0.f;
        for (size_t cidx = 0; cidx < context; ++cidx) {
          if (!allowed[cidx]) continue;
          logits[cidx] = std::exp(logits[cidx] - best);
          sum += logits[cidx];
        }
        for (size_t cidx = 0; cidx < context; ++cidx) {
          if (!allowed[cidx]) continue;
          const int64_t tk = static_cast<int64_t>(u * chunk + cidx) - past;
          const float p = logits[cidx] / sum;
          const float* vr = &v[static_cast<size_t>(tk) * d + n * hd];
          for (size_t j = 0; j < hd; ++j) o[j] += p * vr[j];
        }
      }
    }
  });
}

}  // namespace gemmakit
