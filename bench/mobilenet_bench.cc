// Seconds per image of Gemma 3n's MobileNet-V5 tower at its real geometry (timm's
// mobilenetv5_300m_enc: 768x768 pixels, 84 blocks, MSFA to 16x16 = 256 tokens of 2048) with random
// bf16 weights, as published checkpoints store them, plus the vision embedder into a 2048-wide
// text model. Blocks of the same shape share one random tensor (the timing does not depend on the
// values; distinct ones would take 0.6 GB). Counters: GFLOP/s against the FLOP the tower does
// (2 per multiply-add, convolutions, attention and the embedder; norms and GELU not counted).
#include <benchmark/benchmark.h>

#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "kernels/dtype.h"
#include "multimodal/mobilenet_v5/mobilenet_encoder.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

class RandomWeights {
 public:
  MatrixView Mat(size_t rows, size_t cols) {
    std::vector<uint16_t>& m = mats_[{rows, cols}];
    if (m.empty()) {
      std::normal_distribution<float> d(0.f, 1.f / std::sqrt(static_cast<float>(cols)));
      m.resize(rows * cols);
      for (uint16_t& x : m) x = F32ToBF16(d(rng_));
    }
    return MatrixView{DType::kBF16, m.data(), rows, cols};
  }
  std::vector<float> Vec(size_t n, float mean, float scale) {
    std::normal_distribution<float> d(mean, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng_);
    return v;
  }
  DepthwiseNorm Depthwise(size_t ch, size_t k) { return DepthwiseNorm{Vec(ch * k * k, 0.f, 0.2f), Vec(ch, 1.f, 0.1f)}; }

 private:
  std::mt19937 rng_{7};
  std::map<std::pair<size_t, size_t>, std::vector<uint16_t>> mats_;
};

struct RandomTower {
  RandomWeights r;
  std::unique_ptr<MobileNetEncoder> exact, fast;  // Precision::kExact / kFast (bf16 activations)
  double flop = 0;

  RandomTower() {
    MobileNetHParams hp;  // model_args null: the published architecture
    MobileNetConfig c = ResolveMobileNetConfig(hp, 768, 768);
    MobileNetWeights w;
    auto z = [](int64_t v) { return static_cast<size_t>(v); };
    w.stem = r.Mat(z(c.stem_ch), 27);
    w.stem_bias = r.Vec(z(c.stem_ch), 0.f, 0.1f);
    w.stem_norm = r.Vec(z(c.stem_ch), 1.f, 0.1f);
    flop += 2.0 * c.stem_h * c.stem_w * c.stem_ch * 27;
    for (const auto& stage : c.stages) {
      w.stages.emplace_back();
      for (const MobileNetBlock& b : stage) w.stages.back().push_back(Block(b));
    }
    w.msfa_expand = r.Mat(z(c.msfa_mid_ch), z(c.msfa_in_ch));
    w.msfa_project = r.Mat(z(c.hidden), z(c.msfa_mid_ch));
    w.msfa_expand_norm = r.Vec(z(c.msfa_mid_ch), 1.f, 0.1f);
    w.msfa_project_norm = w.msfa_norm = r.Vec(z(c.hidden), 1.f, 0.1f);
    flop += 2.0 * c.msfa_h * c.msfa_w * c.msfa_mid_ch * (c.msfa_in_ch + c.hidden);
    w.embedder.soft_norm = w.embedder.hard_norm = r.Vec(z(c.hidden), 1.f, 0.1f);
    w.embedder.projection = r.Mat(z(c.text_hidden), z(c.hidden));
    flop += 2.0 * c.tokens_per_image * c.hidden * c.text_hidden;
    ImageProcessorConfig p;
    p.height = p.width = 768;
    p.do_normalize = false;
    MatMulOptions bf16;
    bf16.bf16_inputs = true;
    fast = std::make_unique<MobileNetEncoder>(c, w, p, bf16);
    exact = std::make_unique<MobileNetEncoder>(std::move(c), std::move(w), p, MatMulOptions{});
  }

  // A 1x1 (or k×k, for edge residuals) expansion to mid channels and a 1x1 projection, with norms.
  void ExpandProject(MobileNetBlockWeights& w, size_t mid, size_t expand_cols, size_t out) {
    w.expand = r.Mat(mid, expand_cols);
    w.expand_norm = r.Vec(mid, 1.f, 0.1f);
    w.project = r.Mat(out, mid);
    w.project_norm = r.Vec(out, 1.f, 0.1f);
  }

  MobileNetBlockWeights Block(const MobileNetBlock& b) {
    auto z = [](int64_t v) { return static_cast<size_t>(v); };
    const double out_px = static_cast<double>(b.out_h * b.out_w), in_px = static_cast<double>(b.in_h * b.in_w);
    MobileNetBlockWeights w;
    switch (b.kind) {
      case MobileNetBlockKind::kEdgeResidual:
        ExpandProject(w, z(b.mid_ch), z(b.in_ch * b.kernel * b.kernel), z(b.out_ch));
        flop += 2.0 * out_px * b.mid_ch * (b.in_ch * b.kernel * b.kernel + b.out_ch);
        break;
      case MobileNetBlockKind::kInvertedResidual: {
        const double start_px = b.dw_start ? static_cast<double>((b.in_h + b.StrideStart() - 1) / b.StrideStart() *
                                                                 ((b.in_w + b.StrideStart() - 1) / b.StrideStart()))
                                           : in_px;
        if (b.dw_start) {
          w.dw_start = r.Depthwise(z(b.in_ch), z(b.dw_start));
          flop += 2.0 * start_px * b.in_ch * b.dw_start * b.dw_start;
        }
        ExpandProject(w, z(b.mid_ch), z(b.in_ch), z(b.out_ch));
        flop += 2.0 * start_px * b.mid_ch * b.in_ch + 2.0 * out_px * b.out_ch * b.mid_ch;
        if (b.dw_mid) {
          w.dw_mid = r.Depthwise(z(b.mid_ch), z(b.dw_mid));
          flop += 2.0 * out_px * b.mid_ch * b.dw_mid * b.dw_mid;
        }
        break;
      }
      case MobileNetBlockKind::kAttention: {
        const double kv_px = static_cast<double>(((b.in_h + b.kv_stride - 1) / b.kv_stride) * ((b.in_w + b.kv_stride - 1) / b.kv_stride));
        w.norm = r.Vec(z(b.in_ch), 1.f, 0.1f);
        w.query = r.Mat(z(b.num_heads * b.key_dim), z(b.in_ch));
        w.key = r.Mat(z(b.key_dim), z(b.in_ch));
        w.value = r.Mat(z(b.value_dim), z(b.in_ch));
        w.output = r.Mat(z(b.out_ch), z(b.num_heads * b.value_dim));
        if (b.kv_stride > 1) {
          w.key_down = r.Depthwise(z(b.in_ch), z(b.kv_kernel));
          w.value_down = r.Depthwise(z(b.in_ch), z(b.kv_kernel));
          flop += 2.0 * 2 * kv_px * b.in_ch * b.kv_kernel * b.kv_kernel;
        }
        flop += 2.0 * in_px * b.in_ch * b.num_heads * b.key_dim + 2.0 * kv_px * b.in_ch * (b.key_dim + b.value_dim) +
                2.0 * in_px * b.num_heads * kv_px * (b.key_dim + b.value_dim) + 2.0 * in_px * b.num_heads * b.value_dim * b.out_ch;
        break;
      }
    }
    if (b.layer_scale) w.layer_scale = r.Vec(z(b.out_ch), 1e-2f, 1e-3f);
    return w;
  }
};

const RandomTower& Tower() {
  static const RandomTower* t = new RandomTower();
  return *t;
}

void BM_MobileNetV5Image(benchmark::State& state) {
  const RandomTower& t = Tower();
  ThreadPool pool(static_cast<int>(state.range(0)));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.f, 1.f);
  std::vector<float> pixels(3 * 768 * 768);
  for (float& p : pixels) p = u(rng);
  const bool fast = state.range(1) != 0;
  const MobileNetEncoder& encoder = fast ? *t.fast : *t.exact;
  for (auto _ : state) benchmark::DoNotOptimize(encoder.SoftTokens(pixels.data(), &pool));
  state.counters["GFLOP/s"] = benchmark::Counter(t.flop / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/image"] = t.flop / 1e9;
  state.SetLabel(fast ? "precision fast (bf16 activations)" : "precision exact");
}
BENCHMARK(BM_MobileNetV5Image)->ArgsProduct({{2}, {0, 1}})->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace gemmakit
