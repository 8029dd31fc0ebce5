#include "multimodal/audio/audio_embedder.h"

#include "kernels/norm.h"

namespace gemmakit {

std::vector<float> EmbedAudioSoftTokens(const AudioConfig& c, const AudioWeights& w, const float* x, size_t n, Executor* ex,
                                        const MatMulOptions& mm) {
  return EmbedSoftTokens(w.embedder, c.eps, x, n, ex, mm);
}

std::vector<float> AudioPaddingEmbedding(const AudioConfig& c, const AudioWeights& w) {
  std::vector<float> normed(w.padding_row.size());
  RmsNorm(w.padding_row.data(), 1, normed.size(), w.embedder.hard_norm.data(), c.eps, normed.data());
  return ProjectAndNormalize(w.embedder, c.eps, normed.data(), 1, nullptr, MatMulOptions{});
}

}  // namespace gemmakit
