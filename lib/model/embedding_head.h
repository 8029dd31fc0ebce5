// What turns an encoder's token embeddings into one vector per text (sentence-transformers'
// modules after the Transformer): pooling, then the dense projections and L2 normalisation in the
// order the checkpoint lists them (io/embedding_hparams.h), and Matryoshka truncation of the
// result. Knows nothing of the transformer that feeds it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "io/embedding_hparams.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"

namespace gemmakit {

class EmbeddingHead {
 public:
  // Binds the dense weights (as stored: F32, F16, BF16, or a GGUF file's quantized blocks) and checks
  // that the widths chain: pooling_dim == hidden, each Dense's in_features == the width before it,
  // the weights' shapes [out_features, in_features]. Throws Error(kFormatError) naming the tensor or
  // field.
  EmbeddingHead(const EmbeddingHParams& hp, int64_t hidden);

  size_t hidden() const { return hidden_; }
  size_t dim() const { return dim_; }          // the embedding's width
  bool normalizes() const { return normalizes_; }  // the last stage scales to unit length

  // tokens [n, hidden] (n >= 1) → pooled [hidden].
  void Pool(const float* tokens, size_t n, float* pooled) const;
  // pooled [rows, hidden] → out [rows, dim()].
  void Project(const float* pooled, size_t rows, float* out, Executor* ex) const;
  // Matryoshka truncation of one embedding [dim()] to its first `dim` values (1..dim()), written
  // to out; renormalised to unit length when the head normalizes.
  void Truncate(const float* embedding, size_t dim, float* out) const;

 private:
  struct Dense {
    MatrixView weight;
    std::vector<float> bias;  // empty: none
    bool tanh = false;
  };
  struct Stage {
    bool normalize = false;
    Dense dense;
  };

  EmbeddingPooling pooling_;
  size_t hidden_, dim_;
  bool normalizes_ = false;
  std::vector<Stage> stages_;
  std::shared_ptr<const TensorIndex> tensors_;  // keeps the dense weights mapped
};

// Scales v [n] to unit L2 length (a zero vector stays zero, as torch's normalize leaves it).
void L2Normalize(float* v, size_t n);

}  // namespace gemmakit
