// Seconds to encode 30 s of audio (2997 log-mel frames, what the extractor makes of a full clip)
// with Gemma 3n E2B's audio tower at its real geometry (Gemma3nAudioConfig's defaults: two
// subsampling convolutions of 128 and 32 channels, 12 conformer layers, hidden 1536, 8 heads,
// chunks of 12 with 12 steps of left context) and random bf16 weights, plus the embedder into
// E2B's 2048-wide text model. One random layer stands in for all 12 (the timing does not depend
// on the values). Counters: real_time_factor (seconds of compute per second of audio; below 1 is
// faster than real time) and the seconds each named stage takes, summed over the 12 layers for
// the block's stages ("conformer_s" is then only the blocks' final norms).
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "multimodal/audio/audio_encoder.h"
#include "multimodal/audio/conformer_attention.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

constexpr size_t kFrames30s = 2997;

struct RandomAudioTower {
  AudioConfig c = ResolveAudioConfig(AudioHParams{});
  std::vector<std::vector<uint16_t>> mats;

  std::vector<float> Vec(size_t n, float mean, float scale, std::mt19937& rng) {
    std::normal_distribution<float> d(mean, scale);
    std::vector<float> v(n);
    for (float& x : v) x = d(rng);
    return v;
  }
  MatrixView Mat(size_t rows, size_t cols, std::mt19937& rng) {
    std::normal_distribution<float> d(0.f, 1.f / std::sqrt(static_cast<float>(cols)));
    mats.emplace_back(rows * cols);
    for (uint16_t& x : mats.back()) x = F32ToBF16(d(rng));
    return MatrixView{DType::kBF16, mats.back().data(), rows, cols};
  }
  AudioFfwWeights Ffw(size_t d, size_t ff, std::mt19937& rng) {
    AudioFfwWeights f;
    f.pre_norm = f.post_norm = Vec(d, 1.f, 0.1f, rng);
    f.up = Mat(ff, d, rng);
    f.down = Mat(d, ff, rng);
    return f;
  }

  AudioWeights w;

  RandomAudioTower() {
    std::mt19937 rng(7);
    mats.reserve(32);
    const size_t d = static_cast<size_t>(c.hidden), ff = static_cast<size_t>(c.ffw_hidden);
    for (size_t i = 0; i < 2; ++i) {
      const AudioConvStage& s = c.conv[i];
      w.conv[i] = Mat(static_cast<size_t>(s.out_channels), static_cast<size_t>(s.in_channels * s.kernel_t * s.kernel_f), rng);
      w.conv_norm[i] = Vec(static_cast<size_t>(s.out_channels), 1.f, 0.1f, rng);
    }
    w.input_proj = Mat(d, static_cast<size_t>(c.proj_in), rng);
    ConformerLayerWeights l;
    l.ffw_start = Ffw(d, ff, rng);
    l.ffw_end = Ffw(d, ff, rng);
    l.attn_pre_norm = l.attn_post_norm = l.lconv_pre_norm = l.conv_norm = l.norm = Vec(d, 1.f, 0.1f, rng);
    l.q = Mat(d, d, rng);
    l.k = Mat(d, d, rng);
    l.v = Mat(d, d, rng);
    l.pos_proj = Mat(d, d, rng);
    l.post = Mat(d, d, rng);
    l.per_dim_scale = Vec(static_cast<size_t>(c.head_dim), 0.f, 0.1f, rng);
    l.linear_start = Mat(2 * d, d, rng);
    l.depthwise = Vec(d * static_cast<size_t>(c.conv_kernel), 0.f, 0.3f, rng);
    l.linear_end = Mat(d, d, rng);
    w.layers.assign(static_cast<size_t>(c.n_layers), l);
    w.embedder.soft_norm = w.embedder.hard_norm = Vec(d, 1.f, 0.1f, rng);
    w.embedder.projection = Mat(static_cast<size_t>(c.text_hidden), d, rng);
    w.padding_row = Vec(d, 0.f, 1.f, rng);
  }
};

RandomAudioTower& Tower() {
  static RandomAudioTower* tower = new RandomAudioTower();
  return *tower;
}

const AudioEncoder& Encoder() {
  static const AudioEncoder* enc = AudioEncoder::FromWeights(Tower().c, Tower().w).release();
  return *enc;
}

// 30 s of audio is 750 conformer steps.
constexpr size_t kSteps30s = 750;

std::vector<float> RandomActivations(size_t n) {
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

void BM_AudioClip30s(benchmark::State& state) {
  const AudioEncoder& enc = Encoder();
  ThreadPool pool(static_cast<int>(state.range(0)));
  std::mt19937 rng(1);
  std::normal_distribution<float> mel_value(-3.f, 2.f);
  LogMelFeatures mel;
  mel.frames = kFrames30s;
  mel.bins = 128;
  mel.values.resize(mel.frames * mel.bins);
  for (float& v : mel.values) v = mel_value(rng);
  mel.valid.assign(mel.frames, 1);
  // Wall time from the start of SoftTokens to each named intermediate.
  std::map<std::string, double> stage_seconds;
  std::chrono::steady_clock::time_point start, last;
  const AudioTap tap = [&](const char* name, int, const float*, size_t, size_t) {
    const auto now = std::chrono::steady_clock::now();
    stage_seconds[name] += std::chrono::duration<double>(now - last).count();
    last = now;
  };
  double total = 0;
  ResetMatMulKernelsUsed();
  for (auto _ : state) {
    start = last = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(enc.SoftTokens(mel, &pool, &tap));
    total += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double per_clip = total / static_cast<double>(state.iterations());
  state.counters["real_time_factor"] = per_clip / 30.0;
  for (const auto& [name, s] : stage_seconds) state.counters[name + "_s"] = s / static_cast<double>(state.iterations());
  state.SetLabel(MatMulKernelsUsed());
}
BENCHMARK(BM_AudioClip30s)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// The parts of one conformer layer at 30 s, to show where the time goes: 0 the chunked attention
// alone (q/k/v and position projections included), 1 one feed-forward up projection
// (750 × 1536 → 6144; a layer has two of these and two down projections of the same size).
void BM_AudioLayerPart(benchmark::State& state) {
  const AudioEncoder& enc = Encoder();
  const AudioConfig& c = enc.config();
  const ConformerLayerWeights& l = Tower().w.layers[0];
  ThreadPool pool(2);
  const size_t d = static_cast<size_t>(c.hidden);
  const std::vector<float> x = RandomActivations(kSteps30s * d);
  const std::vector<uint8_t> valid(kSteps30s, 1);
  std::vector<float> out(kSteps30s * static_cast<size_t>(c.ffw_hidden));
  double flop = 0;
  for (auto _ : state) {
    if (state.range(0) == 0) {
      ConformerAttention(c, l, x.data(), valid.data(), kSteps30s, out.data(), &pool);
      flop = 2.0 * kSteps30s * d * d * 3 + 4.0 * kSteps30s * static_cast<double>(c.context) * d;
    } else {
      MatMul(x.data(), kSteps30s, l.ffw_start.up, out.data(), &pool);
      flop = 2.0 * kSteps30s * d * static_cast<double>(c.ffw_hidden);
    }
  }
  state.counters["GFLOP/s"] = benchmark::Counter(flop / 1e9, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(state.range(0) == 0 ? "chunked attention" : "ffw up projection");
}
BENCHMARK(BM_AudioLayerPart)->Arg(0)->Arg(1)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gemmakit
