// Matrix-vector (decode, n = 1) and matrix-matrix (prompt, n = 64 / 256) throughput per weight
// type, in weight GB/s and GFLOP/s. Shapes are Gemma 3 1B's feed-forward projections (up: 6912 × 1152; down,
// 1152 × 6912, for K-quants, whose rows are whole 256-value super-blocks). The last
// arguments select MatMulOptions::bf16_inputs (bf16 rounding of prompt inputs for BF16 weights) and
// Q8_0 / Q4_0 weights repacked into panels as at load (kernels/matmul/panels.h), where this CPU
// reads panels. BM_QGemmUkernel calls each integer micro-kernel (ukernels.h) directly, 1 thread.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/dot_kernels.h"
#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/matmul_table.h"
#include "kernels/matmul/rows8_panels.h"
#include "kernels/matmul/panels.h"
#include "kernels/quant/activation_q8.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

// A rows × cols matrix with normal random weights stored as dtype, and n random inputs.
struct Problem {
  std::vector<float> x, y;
  std::vector<char> stored;
  MatrixView w;
  Problem(DType dtype, size_t n, size_t rows, size_t cols)
      : x(n * cols), y(n * rows), stored(DTypeBytes(dtype, rows * cols)) {
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.f, 1.f);
    std::vector<float> wf(rows * cols);
    for (float& v : wf) v = dist(rng);
    for (float& v : x) v = dist(rng);
    ConvertFromF32(dtype, wf.data(), stored.data(), rows * cols);
    w = MatrixView{dtype, stored.data(), rows, cols};
  }
};

void BM_MatMul(benchmark::State& state) {
  const DType dtype = static_cast<DType>(state.range(0));
  const size_t n = static_cast<size_t>(state.range(1));
  const int threads = static_cast<int>(state.range(2));
  MatMulOptions options;
  options.bf16_inputs = state.range(3) != 0;
  if (options.bf16_inputs && dtype != DType::kBF16) {
    state.SkipWithError("bf16 inputs apply to BF16 weights only");
    return;
  }
  // K-quant rows are whole 256-value super-blocks: those take the down projection's 1152 × 6912.
  const bool k_quant = DTypeBlockElems(dtype) == 256;
  Problem p(dtype, n, k_quant ? 1152 : 6912, k_quant ? 6912 : 1152);
  const std::vector<char>& stored = p.stored;
  std::vector<float>& x = p.x;
  std::vector<float>& y = p.y;
  MatrixView w = p.w;
  const size_t rows = w.rows, cols = w.cols;
  ThreadPool pool(threads);
  // Q8_0 / Q4_0 as a model holds them after load: repacked into panels where this CPU has kernels.
  AlignedBytes panels;
  if (state.range(4) != 0) {
    if (!PanelsAvailable(dtype)) {
      state.SkipWithError("no panel kernels for this type on this CPU");
      return;
    }
    panels = AlignedBytes::Allocate(PanelBytes(dtype, rows, cols));
    PackPanels(w, panels.data.get(), &pool);
    w.panels = panels.data.get();
  }
  for (auto _ : state) {
    MatMul(x.data(), n, w, y.data(), &pool, options);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["weight_GB/s"] =
      benchmark::Counter(static_cast<double>(stored.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * rows * cols),
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(DTypeName(dtype)) + " n=" + std::to_string(n) + " threads=" + std::to_string(threads) +
                 (options.bf16_inputs ? " bf16-inputs" : "") + (w.panels ? " panels" : ""));
}

// One integer micro-kernel (ukernels.h) called directly, one thread, tiled as the operator tiles
// it (MR rows by up to NR inputs per call) over the same matrix; activations quantized once,
// outside the timing. Every non-scalar kernel this CPU runs, by index in AllQGemmUkernels().
void BM_QGemmUkernel(benchmark::State& state) {
  const QGemmUkernel& k = *AllQGemmUkernels()[static_cast<size_t>(state.range(0))];
  const size_t n = static_cast<size_t>(state.range(1));
  const size_t rows = 6912, cols = 1152, nb = cols / 32, row_bytes = DTypeBytes(k.weight, cols);
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> wf(rows * cols), x(n * cols), y(n * rows);
  for (float& v : wf) v = dist(rng);
  for (float& v : x) v = dist(rng);
  std::vector<char> stored(DTypeBytes(k.weight, rows * cols));
  ConvertFromF32(k.weight, wf.data(), stored.data(), rows * cols);
  std::vector<BlockQ8Act> xq(n * nb);
  for (size_t i = 0; i < n; ++i) QuantizeActivationsQ8(x.data() + i * cols, xq.data() + i * nb, cols);
  const auto* w = reinterpret_cast<const uint8_t*>(stored.data());
  std::vector<uint8_t> panels;
  if (k.panels) {  // the load-time layout it reads (rows is a multiple of MR)
    panels.resize(stored.size());
    const size_t pr = k.panels->rows;
    for (size_t r = 0; r < rows; r += pr) k.panels->pack(w + r * row_bytes, row_bytes, pr, nb, panels.data() + r * row_bytes);
    w = panels.data();
  }
  std::vector<uint64_t> prepared;
  for (auto _ : state) {
    size_t input_bytes = sizeof(BlockQ8Act);
    // Once per call, as the operator does.
    const uint8_t* inputs = UkernelInputs(k, xq.data(), n * nb, input_bytes, prepared);
    for (size_t r = 0; r < rows; r += k.mr) {
      for (size_t i = 0; i < n; i += k.nr) {
        k.fn(w + r * row_bytes, row_bytes, std::min(k.mr, rows - r), inputs + i * nb * input_bytes, std::min(k.nr, n - i), nb,
             y.data() + i * rows + r, rows);
      }
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["weight_GB/s"] =
      benchmark::Counter(static_cast<double>(stored.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * rows * cols),
                                               benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(k.name) + " n=" + std::to_string(n));
}

void QGemmUkernelArgs(benchmark::internal::Benchmark* b) {
  const auto& all = AllQGemmUkernels();
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i]->isa == Isa::kScalar || !CpuHas(all[i]->isa)) continue;
    for (int n : {1, 2, 3, 64, 256}) b->Args({static_cast<int64_t>(i), n});
  }
}

BENCHMARK(BM_QGemmUkernel)->Apply(QGemmUkernelArgs)->Unit(benchmark::kMillisecond)->UseRealTime();

constexpr int T(DType t) { return static_cast<int>(t); }

BENCHMARK(BM_MatMul)
    ->ArgsProduct({{T(DType::kF32), T(DType::kF16), T(DType::kQ8_0), T(DType::kQ4_0), T(DType::kQ5_0),
                    T(DType::kQ5_1), T(DType::kQ4_K), T(DType::kQ6_K)},
                   {1, 64, 256},
                   {1, 2},
                   {0},
                   {0}})
    ->ArgsProduct({{T(DType::kQ8_0), T(DType::kQ4_0)}, {1, 64, 256}, {1, 2}, {0}, {1}})
    ->ArgsProduct({{T(DType::kBF16)}, {1, 8, 16, 32, 64, 256}, {1, 2}, {0, 1}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// K-quant kernels on one thread on Gemma 3 1B's down projection, 1152 rows × 6912 columns (a K-quant
// row is whole super-blocks of 256: llama.cpp gives the 1152-column matrices other types): the integer kernels against Q8_K32 inputs (the
// quantization of the inputs included) by variant = index in KQuantUkernels(), or variant -1, the
// float path they replace on AVX2: the dot row kernels for n = 1 (dequantize a super-block, then
// multiply), the cache-blocked FMA GEMM on dequantized panels for prompts.
void BM_KQuantKernel(benchmark::State& state) {
  const DType dtype = static_cast<DType>(state.range(0));
  const size_t n = static_cast<size_t>(state.range(1));
  const int variant = static_cast<int>(state.range(2));
  size_t count = 0;
  const QGemmUkernel* all = KQuantUkernels(&count);
  const QGemmUkernel* k = variant >= 0 && static_cast<size_t>(variant) < count ? &all[variant] : nullptr;
  if (variant >= 0 && (!k || k->weight != dtype || !CpuHas(k->isa) || (k->isa == Isa::kScalar && n > 1))) {
    state.SkipWithError("not a kernel for this type on this CPU");
    return;
  }
  if (variant < 0 && (!Avx2DotKernels() || BestIsa() != Isa::kAvx2)) {
    state.SkipWithError("the float path measured is AVX2's");
    return;
  }
  Problem p(dtype, n, 1152, 6912);
  const std::vector<char>& stored = p.stored;
  std::vector<float>& x = p.x;
  std::vector<float>& y = p.y;
  const MatrixView& w = p.w;
  const size_t rows = w.rows, cols = w.cols;
  const size_t row_bytes = DTypeBytes(dtype, cols);
  const DotKernels& dots = *Avx2DotKernels();
  auto* dot = dtype == DType::kQ4_K ? dots.q4_k : dtype == DType::kQ5_K ? dots.q5_k : dots.q6_k;
  std::vector<uint8_t> panels;
  MatrixView panel_view = w;
  if (k && k->panels) {  // the load-time layout it reads (rows is a multiple of MR)
    panels.resize(stored.size());
    const auto* blocks = reinterpret_cast<const uint8_t*>(stored.data());
    for (size_t r = 0; r < rows; r += k->mr) {
      k->panels->pack(blocks + r * row_bytes, row_bytes, k->mr, cols / 256, panels.data() + r * row_bytes);
    }
    panel_view.panels = panels.data();
  }
  std::vector<float> xi(InterleavedF32InputFloats(n, cols, kF32GemmInputsAvx2));
  for (auto _ : state) {
    if (k) {
      MatMulQ8K32(x.data(), n, panel_view, y.data(), nullptr, *k);
    } else if (n == 1) {
      for (size_t r = 0; r < rows; ++r) y[r] = dot(reinterpret_cast<const uint8_t*>(stored.data() + r * row_bytes), x.data(), cols);
    } else {
      InterleaveF32Inputs(x.data(), n, cols, kF32GemmInputsAvx2, xi.data(), 0,
                          (n + kF32GemmInputsAvx2 - 1) / kF32GemmInputsAvx2);
      GemmF32Avx2(w, xi.data(), n, y.data(), 0, rows);
    }
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["weight_GB/s"] =
      benchmark::Counter(static_cast<double>(stored.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(n * rows * cols),
                                                 benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(k ? k->name : n == 1 ? "dequantize + dot rows (avx2 table)" : "f32_gemm_16x6__avx2") +
                 " n=" + std::to_string(n));
}

BENCHMARK(BM_KQuantKernel)
    ->ArgsProduct({{T(DType::kQ4_K), T(DType::kQ5_K), T(DType::kQ6_K)},
                   {1, 64, 256},
                   benchmark::CreateDenseRange(-1, 23, 1)})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Decode from memory: Gemma 3 1B's tied embedding, 262144 × 1152 (the largest matrix a 1B token
// reads, 200-320 MB in these types), repacked as a model holds it, n = 1. BM_MatMul's matrices sit
// in L3, where the kernels' unpacking bounds them; this one shows how well a kernel's loads and
// prefetches keep memory busy (the 8-row panels' prefetch hint was found here).
void BM_MatMulDram(benchmark::State& state) {
  const DType dtype = static_cast<DType>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  // Gemma 3 1B's tied embedding is 262144×1152; K-quants need whole 256-value super-blocks, so they
  // read a 6912-column matrix (the 1B's FFN down width) of about the same size.
  const size_t cols = static_cast<size_t>(state.range(2));
  const size_t rows = (size_t{262144} * 1152 / cols) / 1024 * 1024;
  std::vector<char> stored(DTypeBytes(dtype, rows * cols));
  {
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.f, 1.f);
    std::vector<float> wf(1024 * cols);
    for (float& v : wf) v = dist(rng);
    // One random 1024-row slab, quantized once and repeated: quick to make (K-quants search scales).
    const size_t slab_bytes = DTypeBytes(dtype, 1024 * cols);
    ConvertFromF32(dtype, wf.data(), stored.data(), 1024 * cols);
    for (size_t r = 1024; r < rows; r += 1024) {
      std::memcpy(stored.data() + DTypeBytes(dtype, r * cols), stored.data(), slab_bytes);
    }
  }
  MatrixView w{dtype, stored.data(), rows, cols};
  ThreadPool pool(threads);
  AlignedBytes panels;
  if (PanelsAvailable(dtype)) {
    panels = AlignedBytes::Allocate(PanelBytes(dtype, rows, cols));
    PackPanels(w, panels.data.get(), &pool);
    w.panels = panels.data.get();
  }
  std::vector<float> x(cols, 0.5f), y(rows);
  for (auto _ : state) {
    MatMul(x.data(), 1, w, y.data(), &pool, MatMulOptions{});
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["weight_GB/s"] =
      benchmark::Counter(static_cast<double>(stored.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::string(DTypeName(dtype)) + (w.panels ? " panels" : ""));
}
BENCHMARK(BM_MatMulDram)
    ->ArgsProduct({{T(DType::kQ8_0), T(DType::kQ4_0), T(DType::kQ5_0)}, {1, 2}, {1152}})
    ->ArgsProduct({{T(DType::kQ4_K), T(DType::kQ6_K)}, {1, 2}, {6912}})
    ->ArgsProduct({{T(DType::kBF16)}, {1, 2}, {1152}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
}  // namespace
}  // namespace gemmakit
