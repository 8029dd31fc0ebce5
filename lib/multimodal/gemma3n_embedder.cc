#include "multimodal/gemma3n_embedder.h"

#include "kernels/norm.h"

namespace gemmakit {
Gemma3nEmbedderWeights BindGemma3nEmbedder(TowerBinder& b, const std::string& prefix, int64_t hidden, int64_t text_hidden) {
  Gemma3nEmbedderWeights w;
  w.soft_norm = b.Vector(prefix + "soft_embedding_norm.weight", {hidden});
  w.hard_norm = b.Vector(prefix + "hard_embedding_norm.weight", {hidden});
  w.projection = b.Linear(prefix + "embedding_projection.weight", text_hidden, hidden);
  return w;
}

std::vector<float> EmbedSoftTokens(const Gemma3nEmbedderWeights& w, float eps, const float* x, size_t n, Executor* ex,
                                   const MatMulOptions& mm) {
  const size_t d = w.projection.cols;
  std::vector<float> normed(n * d);
  RmsNormRows(x, n, d, w.soft_norm.data(), eps, normed.data(), ex);
  return ProjectAndNormalize(w, eps, normed.data(), n, ex, mm);
}

std::vector<float> ProjectAndNormalize(const Gemma3nEmbedderWeights& w, float eps, const float* normed, size_t n, Executor* ex,
                                       const MatMulOptions& mm) {
  const size_t td = w.projection.rows;
  std::vector<float> out(n * td);
  MatMul(normed, n, w.projection, out.data(), ex, mm);
  RmsNormRows(out.data(), n, td, nullptr, eps, out.data(), ex);
  return out;
}

}  // namespace gemmakit
