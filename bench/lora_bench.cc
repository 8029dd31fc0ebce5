// What an active LoRA adapter adds to a decode step: one layer of Gemma 3 1B (hidden 1152, q 1024,
// kv 256, ffn 6912), one token, one thread: the seven bf16 base projections, and the deltas of a
// rank-16 bf16 adapter on all seven (model/lora.h AddLoraDeltas). A token is 26 such layers
// plus attention and the output projection.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "model/lora.h"

namespace gemmakit {
namespace {

constexpr size_t kRank = 16;
struct Shape {
  size_t out, in;
};
constexpr Shape kProjections[kNumProjections] = {{1024, 1152}, {256, 1152},  {256, 1152}, {1152, 1024},
                                                 {6912, 1152}, {6912, 1152}, {1152, 6912}};

std::vector<uint16_t> RandomBF16(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.f, 0.02f);
  std::vector<uint16_t> v(n);
  for (uint16_t& x : v) x = F32ToBF16(dist(rng));
  return v;
}

struct Layer {
  std::vector<std::vector<uint16_t>> storage;
  MatrixView base[kNumProjections];
  std::shared_ptr<LoraWeights> lora = std::make_shared<LoraWeights>();
  std::vector<float> x, y;

  Layer() : x(6912, 0.5f), y(6912) {
    std::mt19937 rng(1);
    lora->scaling = 2.f;
    lora->rank = kRank;
    lora->layers.resize(1);
    for (size_t p = 0; p < kNumProjections; ++p) {
      const Shape s = kProjections[p];
      storage.push_back(RandomBF16(s.out * s.in, rng));
      base[p] = MatrixView{DType::kBF16, storage.back().data(), s.out, s.in};
      storage.push_back(RandomBF16(kRank * s.in, rng));
      LoraFactors& f = lora->layers[0][p];
      f.a = MatrixView{DType::kBF16, storage.back().data(), kRank, s.in};
      f.bt.assign(kRank * s.out, 0.01f);
      f.b = MatrixView{DType::kF32, f.bt.data(), s.out, kRank};  // shape only: the delta reads bt
    }
  }
};

void BM_LoraDecodeLayerBase(benchmark::State& state) {
  Layer l;
  for (auto _ : state) {
    for (size_t p = 0; p < kNumProjections; ++p) MatMul(l.x.data(), 1, l.base[p], l.y.data(), nullptr);
    benchmark::DoNotOptimize(l.y.data());
  }
}
BENCHMARK(BM_LoraDecodeLayerBase)->Unit(benchmark::kMicrosecond);

void BM_LoraDecodeLayerDelta(benchmark::State& state) {
  Layer l;
  const LoraSet set = {{l.lora, 1.f}};
  for (auto _ : state) {
    for (size_t p = 0; p < kNumProjections; ++p) AddLoraDeltas(set, 0, static_cast<Projection>(p), l.x.data(), 1, l.y.data(), nullptr);
    benchmark::DoNotOptimize(l.y.data());
  }
}
BENCHMARK(BM_LoraDecodeLayerDelta)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gemmakit
