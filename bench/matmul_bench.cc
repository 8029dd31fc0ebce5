// Matrix-vector (decode) and matrix-matrix (prefill) throughput per weight type, in weight GB/s
// and GFLOP/s. Shapes are Gemma 3 1B's feed-forward projection.
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

void BM_MatMul(benchmark::State& state) {
  const DType dtype = static_cast<DType>(state.range(0));
  const size_t n = static_cast<size_t>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  const size_t rows = 6912, cols = 1152;
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> wf(rows * cols), x(n * cols), y(n * rows);
  for (float& v : wf) v = dist(rng);
  for (float& v : x) v = dist(rng);
  std::vector<uint16_t> w16(rows * cols);
  for (size_t i = 0; i < w16.size(); ++i) w16[i] = dtype == DType::kBF16 ? F32ToBF16(wf[i]) : F32ToF16(wf[i]);
  MatrixView w{dtype, dtype == DType::kF32 ? static_cast<const void*>(wf.data()) : w16.data(), rows, cols};
  ThreadPool pool(threads);
  for (auto _ : state) {
    MatMul(x.data(), n, w, y.data(), &pool);
    benchmark::DoNotOptimize(y.data());
  }
  const double bytes = static_cast<double>(DTypeBytes(dtype, rows * cols));
  state.counters["weight_GB/s"] = benchmark::Counter(bytes, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * rows * cols),
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(DTypeName(dtype)) + " n=" + std::to_string(n) + " threads=" + std::to_string(threads));
}

BENCHMARK(BM_MatMul)
    ->ArgsProduct({{static_cast<int>(DType::kF32), static_cast<int>(DType::kBF16), static_cast<int>(DType::kF16)},
                   {1, 64},
                   {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace gemmakit
