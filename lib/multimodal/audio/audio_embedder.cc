#include "multimodal/audio/audio_embedder.h"

#include "kernels/matmul.h"
#include "multimodal/audio/audio_ops.h"

namespace gemmakit {
namespace {

std::vector<float> ProjectAndNorm(const AudioConfig& c, const AudioWeights& w, const float* normed, size_t n, Executor* ex,
                                  const MatMulOptions& mm) {
  const size_t td = static_cast<size_t>(c.text_hidden);
  std::vector<float> out(n * td);
  MatMul(normed, n, w.projection, out.data(), ex, mm);
  RmsNormRows(out.data(), n, td, nullptr, c.eps, out.data(), ex);
  return out;
}

}  // namespace

std::vector<float> EmbedAudioSoftTokens(const AudioConfig& c, const AudioWeights& w, const float* x, size_t n, Executor* ex,
                                        const MatMulOptions& mm) {
  const size_t d = static_cast<size_t>(c.hidden);
  std::vector<float> normed(n * d);
  RmsNormRows(x, n, d, w.soft_norm.data(), c.eps, normed.data(), ex);
  return ProjectAndNorm(c, w, normed.data(), n, ex, mm);
}

std::vector<float> AudioPaddingEmbedding(const AudioConfig& c, const AudioWeights& w) {
  std::vector<float> normed(w.padding_row.size());
  RmsNormRows(w.padding_row.data(), 1, normed.size(), w.hard_norm.data(), c.eps, normed.data(), nullptr);
  return ProjectAndNorm(c, w, normed.data(), 1, nullptr, MatMulOptions{});
}

}  // namespace gemmakit
