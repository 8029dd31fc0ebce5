#include "model/lora.h"

#include <string>

#include "gemmakit/status.h"
#include "kernels/vec.h"

namespace gemmakit {
namespace {

// The canonical module of each projection, as the base's weights are named.
constexpr const char* kModules[kNumProjections] = {
    "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
    "mlp.gate_proj",    "mlp.up_proj",      "mlp.down_proj",
};

// LayerWeights or const LayerWeights: the matrix of projection p.
template <typename Layer>
auto BaseMatrix(Layer& l, Projection p) -> decltype((l.q_proj)) {
  switch (p) {
    case Projection::kQ: return l.q_proj;
    case Projection::kK: return l.k_proj;
    case Projection::kV: return l.v_proj;
    case Projection::kO: return l.o_proj;
    case Projection::kGate: return l.gate_proj;
    case Projection::kUp: return l.up_proj;
    case Projection::kDown: return l.down_proj;
  }
  Fail(Status::kInternal, "unknown projection");
}

bool IsFloatType(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }

// The factor `name` as a matrix of the expected shape [rows, cols].
MatrixView Factor(const TensorEntry& e, int64_t rows, int64_t cols, const std::string& what) {
  if (!IsFloatType(e.dtype)) {
    Fail(Status::kUnsupported, "adapter tensor '" + e.name + "' is " + DTypeName(e.dtype) + "; factors must be F32, F16 or BF16");
  }
  if (e.shape.size() != 2 || e.shape[0] != rows || e.shape[1] != cols) {
    Fail(Status::kFormatError, "adapter tensor '" + e.name + "' has shape " + WeightBinder::ShapeString(e.shape) +
                                   ", the base model needs " + WeightBinder::ShapeString({rows, cols}) + " (" + what +
                                   "): is the adapter for another base model?");
  }
  MatrixView m;
  m.dtype = e.dtype;
  m.data = e.data;
  m.rows = static_cast<size_t>(rows);
  m.cols = static_cast<size_t>(cols);
  return m;
}

}  // namespace

LoraWeights BindLoraWeights(const ModelWeights& base, std::shared_ptr<const TensorIndex> factors, double scaling) {
  LoraWeights w;
  w.scaling = static_cast<float>(scaling);
  w.layers.resize(base.layers.size());
  size_t bound = 0;
  for (const auto& [name, entry] : factors->all()) {
    // Every name the io layer hands over is "layers.{i}.{module}.lora_{A,B}.weight".
    const size_t dot = name.find('.', 7);
    const size_t layer = std::stoul(name.substr(7, dot - 7));
    const std::string module = name.substr(dot + 1, name.find(".lora_", dot) - dot - 1);
    if (layer >= base.layers.size()) {
      Fail(Status::kFormatError, "adapter tensor '" + name + "' is for layer " + std::to_string(layer) + "; the base model has " +
                                     std::to_string(base.layers.size()) + " layers: is the adapter for another base model?");
    }
    size_t p = 0;
    while (p < kNumProjections && module != kModules[p]) ++p;
    if (p == kNumProjections) Fail(Status::kFormatError, "adapter tensor '" + name + "' adapts no known projection");
    if (name.find(".lora_B.") != std::string::npos) continue;  // bound with its A
    const MatrixView& wm = BaseMatrix(base.layers[layer], static_cast<Projection>(p));
    if (wm.rows == 0) {
      Fail(Status::kFormatError, "adapter tensor '" + name + "' adapts a projection layer " + std::to_string(layer) +
                                     " of the base model does not compute");
    }
    const std::string b_name = name.substr(0, name.find(".lora_A.")) + ".lora_B.weight";
    const TensorEntry& a = entry;
    const TensorEntry& b = *factors->Find(b_name);
    const int64_t rank = a.shape.empty() ? 0 : a.shape[0];
    if (w.rank == 0) w.rank = rank;
    const std::string where = "layers." + std::to_string(layer) + "." + module;
    LoraFactors& f = w.layers[layer][p];
    f.a = Factor(a, rank, static_cast<int64_t>(wm.cols), "rank x the inputs of " + where);
    f.b = Factor(b, static_cast<int64_t>(wm.rows), rank, "the outputs of " + where + " x rank");
    f.bt.resize(static_cast<size_t>(rank) * wm.rows);
    std::vector<float> row(static_cast<size_t>(rank));
    for (size_t r = 0; r < wm.rows; ++r) {
      f.b.RowToF32(r, row.data());
      for (size_t k = 0; k < row.size(); ++k) f.bt[k * wm.rows + r] = row[k];
    }
    ++bound;
  }
  if (bound == 0) Fail(Status::kFormatError, "the adapter adapts no projection");
  w.storage = std::move(factors);
  return w;
}

void AddLoraDeltas(const LoraSet& set, size_t layer, Projection p, const float* x, size_t n, float* y, Executor* ex) {
  thread_local std::vector<float> low;
  for (const ActiveLora& active : set) {
    const LoraFactors& f = active.weights->layers[layer][static_cast<size_t>(p)];
    if (f.a.rows == 0 || active.scale == 0.f) continue;
    const size_t rank = f.a.rows, out = f.b.rows;
    low.resize(n * rank);
    MatMul(x, n, f.a, low.data(), ex);
    const float c = active.scale * active.weights->scaling;
    for (float& v : low) v *= c;
    // y[i, :] += Σ_k low[i, k] · Bᵀ[k, :], output columns split across threads.
    const float* lo = low.data();
    ParallelFor(ex, out, 512, [&](size_t o0, size_t o1) {
      for (size_t i = 0; i < n; ++i) {
        for (size_t k = 0; k < rank; ++k) Axpy(lo[i * rank + k], &f.bt[k * out + o0], &y[i * out + o0], o1 - o0);
      }
    });
  }
}

void MergeLoraWeights(ModelWeights& base, const LoraWeights& adapter, float scale, bool to_f32, Executor* ex) {
  const float c = scale * adapter.scaling;
  for (size_t l = 0; l < adapter.layers.size(); ++l) {
    for (size_t p = 0; p < kNumProjections; ++p) {
      const LoraFactors& f = adapter.layers[l][p];
      if (f.a.rows == 0) continue;
      MatrixView& w = BaseMatrix(base.layers[l], static_cast<Projection>(p));
      if (w.panels) Fail(Status::kInternal, "adapters merge before matrices are repacked");
      const DType type = to_f32 ? DType::kF32 : w.dtype;
      const size_t rank = f.a.rows, cols = w.cols, row_bytes = DTypeBytes(type, cols);
      // A as float32 once; each output row adds c·Σ_k B[r,k]·A[k,:] to the base row.
      std::vector<float> a(rank * cols);
      for (size_t k = 0; k < rank; ++k) f.a.RowToF32(k, &a[k * cols]);
      std::vector<uint8_t> merged(row_bytes * w.rows);
      ParallelFor(ex, w.rows, 16, [&](size_t r0, size_t r1) {
        std::vector<float> row(cols), b(rank);
        for (size_t r = r0; r < r1; ++r) {
          w.RowToF32(r, row.data());
          f.b.RowToF32(r, b.data());
          for (size_t k = 0; k < rank; ++k) {
            const float bk = c * b[k];
            for (size_t j = 0; j < cols; ++j) row[j] += bk * a[k * cols + j];
          }
          ConvertFromF32(type, row.data(), merged.data() + r * row_bytes, cols);
        }
      });
      base.owned.push_back(std::move(merged));
      w.data = base.owned.back().data();
      w.dtype = type;
    }
  }
}

}  // namespace gemmakit
