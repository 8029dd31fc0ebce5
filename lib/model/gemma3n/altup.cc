#include "model/gemma3n/altup.h"

#include <algorithm>
#include <cmath>

#include "kernels/norm.h"
#include "kernels/vec.h"
#include "model/blocks.h"

namespace gemmakit {
namespace {

// Below this mean square a stream counts as silent: rescaling it would divide by ~0.
constexpr float kMinMeanSquare = 1e-5f;

float MeanSquare(const float* x, size_t d) { return static_cast<float>(DotF64(x, x, d) / static_cast<double>(d)); }

// Rescales each row of y to the root-mean-square of the same row of reference.
void MatchMagnitude(const float* reference, float* y, size_t n, size_t d) {
  for (size_t i = 0; i < n; ++i) {
    const float target = std::sqrt(MeanSquare(reference + i * d, d));
    const float magnitude = std::sqrt(std::max(MeanSquare(y + i * d, d), kMinMeanSquare));
    for (size_t j = 0; j < d; ++j) y[i * d + j] = y[i * d + j] * target / magnitude;
  }
}

// tanh(router · (RMSNorm(x) · w / hidden)): one weight per stream for the row x.
void Router(const AltUpWeights& w, size_t inputs, const float* x, size_t d, float eps, float* m) {
  std::vector<float> normed(d);
  RmsNorm(x, 1, d, w.router_norm.data(), eps, normed.data());
  const float scale = 1.f / static_cast<float>(d);
  for (float& v : normed) v *= scale;
  for (size_t j = 0; j < inputs; ++j)
    m[j] = std::tanh(static_cast<float>(DotF64(&w.modality_router[j * d], normed.data(), d)));
}

}  // namespace

void AltUpExpand(const std::vector<MatrixView>& projections, const float* x, size_t n, size_t hidden, float* streams,
                 Executor* ex, const MatMulOptions& mm) {
  std::copy_n(x, n * hidden, streams);
  for (size_t k = 1; k <= projections.size(); ++k) {
    float* s = streams + k * n * hidden;
    MatMul(x, n, projections[k - 1], s, ex, mm);
    MatchMagnitude(x, s, n, hidden);
  }
}

void AltUpCollapse(const std::vector<MatrixView>& unembed, const float* streams, size_t n, size_t hidden, size_t first,
                   size_t rows, float* out, Executor* ex, const MatMulOptions& mm) {
  const float* s0 = streams + first * hidden;
  std::copy_n(s0, rows * hidden, out);
  std::vector<float> t(rows * hidden);
  for (size_t k = 1; k <= unembed.size(); ++k) {
    MatMul(streams + (k * n + first) * hidden, rows, unembed[k - 1], t.data(), ex, mm);
    MatchMagnitude(s0, t.data(), rows, hidden);
    for (size_t i = 0; i < rows * hidden; ++i) out[i] += t[i];
  }
  const float inv = 1.f / static_cast<float>(unembed.size() + 1);
  for (size_t i = 0; i < rows * hidden; ++i) out[i] *= inv;
}

void AltUpPredict(const AltUpWeights& w, const Gemma3nParams& g, const float* streams, size_t n, size_t hidden,
                  float eps, float* predictions, Executor* ex) {
  const size_t inputs = static_cast<size_t>(g.altup_inputs), d = hidden;
  ForPromptRows(ex, n, [&](size_t i0, size_t i1) {
    std::vector<float> m(inputs), p(inputs * inputs);
    for (size_t i = i0; i < i1; ++i) {
      Router(w, inputs, streams + (static_cast<size_t>(g.altup_active) * n + i) * d, d, eps, m.data());
      for (size_t r = 0; r < inputs * inputs; ++r) {
        float acc = 0;
        for (size_t j = 0; j < inputs; ++j) acc += w.prediction_coefs[r * inputs + j] * m[j];
        p[r] = acc;
      }
      for (size_t c = 0; c < inputs; ++c) {
        float* out = predictions + (c * n + i) * d;
        const float* own = streams + (c * n + i) * d;
        for (size_t h = 0; h < d; ++h) {
          float acc = 0;
          for (size_t k = 0; k < inputs; ++k) acc += p[c * inputs + k] * streams[(k * n + i) * d + h];
          out[h] = own[h] + acc;
        }
      }
    }
  });
}

void AltUpCorrect(const AltUpWeights& w, const Gemma3nParams& g, const float* predictions, const float* activated,
                  size_t n, size_t hidden, float eps, float* corrected, Executor* ex) {
  const size_t inputs = static_cast<size_t>(g.altup_inputs), d = hidden;
  ForPromptRows(ex, n, [&](size_t i0, size_t i1) {
    std::vector<float> m(inputs), coef(inputs);
    for (size_t i = i0; i < i1; ++i) {
      const float* a = activated + i * d;
      Router(w, inputs, a, d, eps, m.data());
      for (size_t k = 0; k < inputs; ++k) {
        float acc = 0;
        for (size_t j = 0; j < inputs; ++j) acc += w.correction_coefs[k * inputs + j] * m[j];
        coef[k] = acc + 1.f;
      }
      const float* active = predictions + (static_cast<size_t>(g.altup_active) * n + i) * d;
      for (size_t k = 0; k < inputs; ++k) {
        const float* pred = predictions + (k * n + i) * d;
        float* out = corrected + (k * n + i) * d;
        for (size_t h = 0; h < d; ++h) out[h] = pred[h] + (a[h] - active[h]) * coef[k];
      }
    }
  });
}

}  // namespace gemmakit
