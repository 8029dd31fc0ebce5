// Seconds per image of Gemma 3's SigLIP-So400m tower at its real geometry (896x896 pixels, 4096
// patches, 27 layers, hidden 1152, MLP 4304, 16 heads) with random bf16 weights, as published
// checkpoints store them, plus the projector into Gemma 3 4B's 2560-wide text model; and each
// part of one layer alone, to show where the time goes. One random layer stands in for all 27
// (the timing does not depend on the values; 27 distinct layers would take 0.8 GB).
// Counters: GFLOP/s against the FLOP the part does (2 per multiply-add).
#include <benchmark/benchmark.h>

#include <immintrin.h>

#include <random>
#include <thread>
#include <vector>

#include "kernels/gelu.h"
#include "kernels/layer_norm.h"
#include "kernels/matmul.h"
#include "kernels/attention/attention.h"
#include "multimodal/siglip_encoder.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

VisionConfig So400m() {
  VisionConfig c;
  c.hidden = 1152;
  c.intermediate = 4304;
  c.n_layers = 27;
  c.n_heads = 16;
  c.head_dim = 72;
  c.attn_scale = 1.f / std::sqrt(72.f);
  c.image_size = 896;
  c.patch_size = 14;
  c.patches_per_side = 64;
  c.n_patches = 4096;
  c.tokens_per_image = 256;
  c.tokens_per_side = 16;
  c.pool_kernel = 4;
  c.text_hidden = 2560;
  c.image_height = c.image_width = 896;
  return c;
}

struct RandomTower {
  VisionConfig c = So400m();
  std::vector<std::vector<uint16_t>> mats;
  VisionWeights w;

  std::vector<float> Vec(size_t n, float scale, std::mt19937& rng) {
    std::normal_distribution<float> d(0.f, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  }
  MatrixView Mat(size_t rows, size_t cols, std::mt19937& rng) {
    std::normal_distribution<float> d(0.f, 0.02f);
    mats.emplace_back(rows * cols);
    for (uint16_t& x : mats.back()) x = F32ToBF16(d(rng));
    return MatrixView{DType::kBF16, mats.back().data(), rows, cols};
  }

  RandomTower() {
    std::mt19937 rng(7);
    const size_t d = static_cast<size_t>(c.hidden), ff = static_cast<size_t>(c.intermediate);
    mats.reserve(16);
    w.patch = Mat(d, 3 * 14 * 14, rng);
    w.patch_b = Vec(d, 0.02f, rng);
    w.position = Vec(static_cast<size_t>(c.n_patches) * d, 0.02f, rng);
    SiglipLayerWeights l;
    l.ln1_w = l.ln2_w = std::vector<float>(d, 1.f);
    l.ln1_b = l.ln2_b = std::vector<float>(d, 0.f);
    l.q = Mat(d, d, rng);
    l.k = Mat(d, d, rng);
    l.v = Mat(d, d, rng);
    l.o = Mat(d, d, rng);
    l.q_b = l.k_b = l.v_b = l.o_b = l.fc2_b = Vec(d, 0.02f, rng);
    l.fc1 = Mat(ff, d, rng);
    l.fc2 = Mat(d, ff, rng);
    l.fc1_b = Vec(ff, 0.02f, rng);
    w.layers.assign(static_cast<size_t>(c.n_layers), l);
    w.post_ln_w = std::vector<float>(d, 1.f);
    w.post_ln_b = std::vector<float>(d, 0.f);
    w.soft_norm = std::vector<float>(d, 1.f);
    w.projection = Mat(static_cast<size_t>(c.text_hidden), d, rng);
  }
};

const RandomTower& Tower() {
  static const RandomTower* t = new RandomTower();
  return *t;
}

double LayerFlop(const VisionConfig& c) {
  const double n = static_cast<double>(c.n_patches), d = static_cast<double>(c.hidden), ff = static_cast<double>(c.intermediate);
  return 2 * n * (4 * d * d + 2 * d * ff) + 4 * n * n * d;
}

void BM_SiglipImage(benchmark::State& state) {
  const RandomTower& t = Tower();
  ThreadPool pool(static_cast<int>(state.range(0)));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> pixels(3 * 896 * 896);
  for (float& p : pixels) p = u(rng);
  MatMulOptions mm;
  mm.bf16_inputs = state.range(1) != 0;  // Precision::kFast
  for (auto _ : state) {
    const std::vector<float> f = EncodeSiglip(t.c, t.w, pixels.data(), &pool, nullptr, mm);
    benchmark::DoNotOptimize(ProjectToSoftTokens(t.c, t.w, f.data(), &pool));
  }
  const double flop = LayerFlop(t.c) * static_cast<double>(t.c.n_layers) +
                      2.0 * 4096 * 1152 * 588 + 2.0 * 256 * 1152 * 2560;
  state.counters["GFLOP/s"] = benchmark::Counter(flop / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["TFLOP/image"] = flop / 1e12;
  state.SetLabel(mm.bf16_inputs ? "precision fast (bf16 activations)" : "precision exact");
}
BENCHMARK(BM_SiglipImage)->ArgsProduct({{2}, {0, 1}})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// One layer's parts: 0 q/k/v/out projections, 1 attention, 2 MLP (fc1, GELU, fc2), 3 the two
// LayerNorms, 4 and 5 the MLP's two matmuls alone.
void BM_SiglipLayerPart(benchmark::State& state) {
  const RandomTower& t = Tower();
  const int part = static_cast<int>(state.range(0));
  ThreadPool pool(static_cast<int>(state.range(1)));
  const size_t n = 4096, d = 1152, ff = 4304;
  std::mt19937 rng(2);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> x(n * d), q(n * d), k(n * d), v(n * d), out(n * d), mlp(n * ff);
  for (float* b : {x.data(), q.data(), k.data(), v.data()}) {
    for (size_t i = 0; i < n * d; ++i) b[i] = dist(rng);
  }
  const SiglipLayerWeights& l = t.w.layers[0];
  DenseAttentionScratch scratch;
  MatMulOptions mm;
  mm.bf16_inputs = state.range(2) != 0;  // Precision::kFast
  double flop = 0;
  for (auto _ : state) {
    switch (part) {
      case 0:
        for (const MatrixView* m : {&l.q, &l.k, &l.v, &l.o}) MatMul(x.data(), n, *m, out.data(), &pool, mm);
        flop = 2.0 * n * 4 * d * d;
        break;
      case 1:
        if (mm.bf16_inputs) {
          DenseAttentionBF16(q.data(), k.data(), v.data(), n, 16, 72, t.c.attn_scale, out.data(), scratch, &pool);
        } else {
          DenseAttention(q.data(), k.data(), v.data(), n, 16, 72, t.c.attn_scale, out.data(), scratch, &pool);
        }
        flop = 4.0 * n * n * d;
        break;
      case 2:
        MatMul(x.data(), n, l.fc1, mlp.data(), &pool, mm);
        GeluTanhInPlace(mlp.data(), n * ff, &pool);
        MatMul(mlp.data(), n, l.fc2, out.data(), &pool, mm);
        flop = 4.0 * n * d * ff;
        break;
      case 4:
        MatMul(x.data(), n, l.fc1, mlp.data(), &pool, mm);
        flop = 2.0 * n * d * ff;
        break;
      case 5:
        MatMul(mlp.data(), n, l.fc2, out.data(), &pool, mm);
        flop = 2.0 * n * d * ff;
        break;
      default:
        LayerNorm(x.data(), n, d, l.ln1_w.data(), l.ln1_b.data(), 1e-6f, out.data(), &pool);
        LayerNorm(x.data(), n, d, l.ln2_w.data(), l.ln2_b.data(), 1e-6f, out.data(), &pool);
        break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  static const char* const kNames[] = {"qkvo projections", "attention", "mlp", "layer norms", "mlp fc1", "mlp fc2"};
  state.SetLabel(std::string(kNames[part]) + (mm.bf16_inputs ? " (fast)" : ""));
  if (flop > 0) state.counters["GFLOP/s"] = benchmark::Counter(flop / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SiglipLayerPart)->ArgsProduct({{0, 1, 2, 3, 4, 5}, {2}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime();

// The machine's float32 FMA peak: independent AVX-512 FMA chains on every thread.
__attribute__((target("avx512f"))) double FmaPeakOneThread(int64_t iters) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (int64_t it = 0; it < iters; ++it) {
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  alignas(64) float lanes[16];
  for (int i = 1; i < 12; ++i) acc[0] = _mm512_add_ps(acc[0], acc[i]);
  _mm512_store_ps(lanes, acc[0]);
  benchmark::DoNotOptimize(lanes[0]);
  return static_cast<double>(iters) * 12 * 16 * 2;
}

void BM_FmaPeak(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("no AVX-512");
    return;
  }
  const int threads = static_cast<int>(state.range(0));
  const int64_t iters = 20'000'000;
  double flop = 0;
  for (auto _ : state) {
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back([&] { FmaPeakOneThread(iters); });
    for (auto& th : pool) th.join();
    flop = static_cast<double>(iters) * 12 * 16 * 2 * threads;
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flop / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_FmaPeak)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gemmakit
