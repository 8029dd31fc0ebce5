#include "model/embedding_head.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

// A Dense weight may be of any type the matmul runs (a llama.cpp file quantizes it with the rest); a
// bias is read as float32 from F32, F16 or BF16.
const TensorEntry& FindTensor(const TensorIndex& t, const std::string& name, const std::vector<int64_t>& shape,
                              bool float_only) {
  const TensorEntry* e = t.Find(name);
  if (!e) Fail(Status::kFormatError, "embedding head: no tensor '" + name + "'");
  if (e->shape != shape) {
    std::string want, got;
    for (int64_t d : shape) want += (want.empty() ? "" : ", ") + std::to_string(d);
    for (int64_t d : e->shape) got += (got.empty() ? "" : ", ") + std::to_string(d);
    Fail(Status::kFormatError, "embedding head: tensor '" + name + "' has shape [" + got + "] but its config says [" + want + "]");
  }
  if (float_only && e->dtype != DType::kF32 && e->dtype != DType::kBF16 && e->dtype != DType::kF16) {
    Fail(Status::kUnsupported, "embedding head: tensor '" + name + "' is " + DTypeName(e->dtype) + " (F32, F16, BF16 are read)");
  }
  return *e;
}

}  // namespace

void L2Normalize(float* v, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(v[i]) * v[i];
  // torch.nn.functional.normalize divides by max(norm, 1e-12).
  const float inv = static_cast<float>(1.0 / std::max(std::sqrt(sum), 1e-12));
  for (size_t i = 0; i < n; ++i) v[i] *= inv;
}

EmbeddingHead::EmbeddingHead(const EmbeddingHParams& hp, int64_t hidden)
    : pooling_(hp.pooling), hidden_(static_cast<size_t>(hidden)), tensors_(hp.tensors) {
  if (hp.pooling_dim != hidden) {
    Fail(Status::kFormatError, "embedding head: the pooling module expects width " + std::to_string(hp.pooling_dim) +
                                   " but the model's hidden_size is " + std::to_string(hidden));
  }
  int64_t width = hidden;
  for (const EmbeddingStage& s : hp.stages) {
    Stage st;
    st.normalize = s.kind == EmbeddingStage::kNormalize;
    if (!st.normalize) {
      if (s.in_features != width) {
        Fail(Status::kFormatError, "embedding head: a Dense module takes in_features " + std::to_string(s.in_features) +
                                       " after a stage of width " + std::to_string(width));
      }
      const TensorEntry& w = FindTensor(*tensors_, s.weight, {s.out_features, s.in_features}, false);
      st.dense.weight = MatrixView{w.dtype, w.data, static_cast<size_t>(s.out_features), static_cast<size_t>(s.in_features)};
      if (!s.bias.empty()) {
        const TensorEntry& b = FindTensor(*tensors_, s.bias, {s.out_features}, true);
        st.dense.bias.resize(static_cast<size_t>(s.out_features));
        ConvertToF32(b.dtype, b.data, st.dense.bias.data(), st.dense.bias.size());
      }
      st.dense.tanh = s.tanh;
      width = s.out_features;
    }
    normalizes_ = st.normalize;
    stages_.push_back(std::move(st));
  }
  dim_ = static_cast<size_t>(width);
}

void EmbeddingHead::Pool(const float* tokens, size_t n, float* pooled) const {
  const size_t d = hidden_;
  switch (pooling_) {
    case EmbeddingPooling::kCls:
      std::copy_n(tokens, d, pooled);
      return;
    case EmbeddingPooling::kLastToken:
      std::copy_n(tokens + (n - 1) * d, d, pooled);
      return;
    case EmbeddingPooling::kMax:
      std::copy_n(tokens, d, pooled);
      for (size_t i = 1; i < n; ++i) {
        for (size_t j = 0; j < d; ++j) pooled[j] = std::max(pooled[j], tokens[i * d + j]);
      }
      return;
    case EmbeddingPooling::kMean: {
      // A float32 sum, then one division, as torch sums the masked rows and divides by the count.
      std::fill_n(pooled, d, 0.f);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < d; ++j) pooled[j] += tokens[i * d + j];
      }
      const float count = static_cast<float>(n);
      for (size_t j = 0; j < d; ++j) pooled[j] /= count;
      return;
    }
  }
}

void EmbeddingHead::Project(const float* pooled, size_t rows, float* out, Executor* ex) const {
  std::vector<float> x(pooled, pooled + rows * hidden_), y;
  size_t width = hidden_;
  for (const Stage& s : stages_) {
    if (s.normalize) {
      for (size_t r = 0; r < rows; ++r) L2Normalize(&x[r * width], width);
      continue;
    }
    const size_t out_w = s.dense.weight.rows;
    y.resize(rows * out_w);
    MatMul(x.data(), rows, s.dense.weight, y.data(), ex);
    for (size_t r = 0; r < rows; ++r) {
      float* row = &y[r * out_w];
      if (!s.dense.bias.empty()) {
        for (size_t j = 0; j < out_w; ++j) row[j] += s.dense.bias[j];
      }
      if (s.dense.tanh) {
        for (size_t j = 0; j < out_w; ++j) row[j] = std::tanh(row[j]);
      }
    }
    x.swap(y);
    width = out_w;
  }
  std::copy_n(x.data(), rows * dim_, out);
}

void EmbeddingHead::Truncate(const float* embedding, size_t dim, float* out) const {
  if (dim < 1 || dim > dim_) {
    Fail(Status::kInvalidArgument, "embedding dimension " + std::to_string(dim) + " is outside 1.." + std::to_string(dim_));
  }
  std::copy_n(embedding, dim, out);
  if (normalizes_ && dim < dim_) L2Normalize(out, dim);
}

}  // namespace gemmakit
