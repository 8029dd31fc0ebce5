// Low-rank adapters (LoRA) beside a model's projections: y = x·Wᵀ + Σ scale·s·(x·Aᵀ)·Bᵀ over the
// adapters active in a sequence. The base weights stay as they are (any type, quantized too);
// adapters are bound once and shared, and each sequence names its own active set and scales.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "model/weights.h"

namespace gemmakit {

// The projections of a layer an adapter may change.
enum class Projection : int { kQ, kK, kV, kO, kGate, kUp, kDown };
constexpr size_t kNumProjections = 7;

struct LoraFactors {
  MatrixView a;  // [rank, in]; rows == 0 when the projection is not adapted
  MatrixView b;  // [out, rank]
  // Bᵀ [rank, out] in float32: the second product as `rank` row updates of the output, since a
  // dot product of `rank` numbers per output row costs more in overhead than it computes.
  std::vector<float> bt;
};

// An adapter bound to one model's layers.
struct LoraWeights {
  float scaling = 0;  // PEFT's alpha / r (or alpha / sqrt(r))
  int64_t rank = 0;
  std::vector<std::array<LoraFactors, kNumProjections>> layers;
  std::shared_ptr<const TensorIndex> storage;  // keeps the mapped factors alive
};

// Binds factors named "layers.{i}.self_attn.q_proj.lora_A.weight" (and ".lora_B.", for the seven
// projections) against `base`. Throws Error(kFormatError) naming the tensor when its layer is not
// in the model, the projection is absent there, or its shape disagrees with the base matrix
// (an adapter for another base model), Error(kUnsupported) for a type the kernels do not read.
LoraWeights BindLoraWeights(const ModelWeights& base, std::shared_ptr<const TensorIndex> factors, double scaling);

// One adapter active in a sequence, at a user's scale (1: as trained).
struct ActiveLora {
  std::shared_ptr<const LoraWeights> weights;
  float scale = 1.f;
};
using LoraSet = std::vector<ActiveLora>;

// y[n, out] += Σ over `set` of scale·s·(x·Aᵀ)·Bᵀ for projection p of `layer`.
void AddLoraDeltas(const LoraSet& set, size_t layer, Projection p, const float* x, size_t n, float* y, Executor* ex);

// Merge-at-load: W ← W + scale·s·B·A for every projection the adapter changes, into memory the
// weights then own: in the matrix's own type (as PEFT's merge rounds a bf16 model's sums to
// bf16), or in float32 when `to_f32` (for a load that converts every matrix afterwards anyway).
void MergeLoraWeights(ModelWeights& base, const LoraWeights& adapter, float scale, bool to_f32, Executor* ex);

}  // namespace gemmakit
