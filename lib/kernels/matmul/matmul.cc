// The matmul operator: looks up the plan for the weight type on this CPU (matmul_table.h), splits
// output rows across threads in the plan's task sizes and tiles them for its kernel: an integer
// micro-kernel on the blocks in place, the AVX-512 panels, a float32 GEMM, or the row dot kernels.
// Inputs are converted once per call (to 8-bit blocks for Q8_0 / Q4_0 weights, and Q5_0 / Q5_1
// where the plan has an integer micro-kernel for them) and weight rows are reused across all n
// inputs while they are in cache.
#include "kernels/matmul.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/bf16_gemm.h"
#include "kernels/cpu_features.h"
#include "kernels/matmul/dot_kernels.h"
#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/matmul_table.h"
#include "kernels/matmul/panels.h"
#include "kernels/matmul/u8_panels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/vec.h"

namespace gemmakit {

// Panels first: they are in memory, while the mapped original's pages were released at repack,
// and touching one row of it can map a whole 2 MB folio of the file back in (token embedding
// lookups did, adding up to the size of the table to the resident set).
void MatrixView::RowBytes(size_t r, void* dst) const {
  const size_t row_bytes = DTypeBytes(dtype, cols);
  if (panels) {
    PanelRowToBlocks(dtype, static_cast<const uint8_t*>(panels), cols, r, dst);
  } else {
    std::memcpy(dst, static_cast<const char*>(data) + r * row_bytes, row_bytes);
  }
}

void MatrixView::RowToF32(size_t r, float* dst) const {
  if (!panels) return ConvertToF32(dtype, static_cast<const char*>(data) + r * DTypeBytes(dtype, cols), dst, cols);
  std::vector<uint8_t> blocks(DTypeBytes(dtype, cols));
  RowBytes(r, blocks.data());
  ConvertToF32(dtype, blocks.data(), dst, cols);
}

void MatMulReference(const float* x, size_t n, const MatrixView& w, float* y) {
  std::vector<float> row(w.cols);
  for (size_t r = 0; r < w.rows; ++r) {
    w.RowToF32(r, row.data());
    for (size_t i = 0; i < n; ++i) {
      float acc = 0.f;
      for (size_t c = 0; c < w.cols; ++c) acc += x[i * w.cols + c] * row[c];
      y[i * w.rows + r] = acc;
    }
  }
}

namespace {

// Rows handled together: their weights stay in L1 while every input streams past them.
constexpr size_t kRowTile = 4;
// 8-bit inputs per block of the integer micro-kernels' loop: well inside L2.
constexpr size_t kQGemmInputBytes = 128 * 1024;

const char* RowPtr(const MatrixView& w, size_t r) {
  return static_cast<const char*>(w.data) + r * DTypeBytes(w.dtype, w.cols);
}

// Calls dot(row r, input i) for the rows [r0, r1) and all n inputs.
template <typename DotFn>
void ForRowTiles(size_t n, const MatrixView& w, float* y, size_t r0, size_t r1, DotFn dot) {
  for (size_t r = r0; r < r1; r += kRowTile) {
    const size_t nr = std::min(kRowTile, r1 - r);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < nr; ++j) y[i * w.rows + r + j] = dot(r + j, i);
    }
  }
}

// Several inputs against block weights that take float activations: each tile of rows is
// dequantized once, then multiplied with every input by the float32 dot.
void RunRowsDequantized(const float* x, size_t n, const MatrixView& w, float* y, size_t r0, size_t r1,
                        const DotKernels& k) {
  const size_t cols = w.cols;
  thread_local std::vector<float> rows;
  if (rows.size() < kRowTile * cols) rows.resize(kRowTile * cols);
  for (size_t r = r0; r < r1; r += kRowTile) {
    const size_t nr = std::min(kRowTile, r1 - r);
    for (size_t j = 0; j < nr; ++j) ConvertToF32(w.dtype, RowPtr(w, r + j), rows.data() + j * cols, cols);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < nr; ++j) y[i * w.rows + r + j] = k.f32(rows.data() + j * cols, x + i * cols, cols);
    }
  }
}

void RunRows(const float* x, const BlockQ8Act* xq, size_t n, const MatrixView& w, float* y, size_t r0, size_t r1,
             const DotKernels& k) {
  const size_t cols = w.cols, nb = cols / 32;
  switch (w.dtype) {
    case DType::kF32:
      return ForRowTiles(n, w, y, r0, r1, [&](size_t r, size_t i) {
        return k.f32(reinterpret_cast<const float*>(RowPtr(w, r)), x + i * cols, cols);
      });
    case DType::kBF16:
      return ForRowTiles(n, w, y, r0, r1, [&](size_t r, size_t i) {
        return k.bf16(reinterpret_cast<const uint16_t*>(RowPtr(w, r)), x + i * cols, cols);
      });
    case DType::kF16:
      return ForRowTiles(n, w, y, r0, r1, [&](size_t r, size_t i) {
        return k.f16(reinterpret_cast<const uint16_t*>(RowPtr(w, r)), x + i * cols, cols);
      });
    case DType::kQ8_0:
      return ForRowTiles(n, w, y, r0, r1, [&](size_t r, size_t i) {
        return k.q8_0(reinterpret_cast<const BlockQ8_0*>(RowPtr(w, r)), xq + i * nb, nb);
      });
    case DType::kQ4_0:
      return ForRowTiles(n, w, y, r0, r1, [&](size_t r, size_t i) {
        return k.q4_0(reinterpret_cast<const BlockQ4_0*>(RowPtr(w, r)), xq + i * nb, nb);
      });
    case DType::kQ4_K:
    case DType::kQ5_K:
    case DType::kQ6_K: {
      if (n > 1) return RunRowsDequantized(x, n, w, y, r0, r1, k);
      auto* dot = w.dtype == DType::kQ4_K ? k.q4_k : w.dtype == DType::kQ5_K ? k.q5_k : k.q6_k;
      return ForRowTiles(n, w, y, r0, r1, [&](size_t r, size_t i) {
        return dot(reinterpret_cast<const uint8_t*>(RowPtr(w, r)), x + i * cols, cols);
      });
    }
    case DType::kQ4_1:
    case DType::kQ5_0:
    case DType::kQ5_1:
    case DType::kIQ4_NL:
    case DType::kIQ4_XS:
    case DType::kQ2_K:
    case DType::kQ3_K:
      if (n > 1) return RunRowsDequantized(x, n, w, y, r0, r1, k);
      return ForRowTiles(n, w, y, r0, r1, [&](size_t r, size_t i) {
        return k.blocks(w.dtype, reinterpret_cast<const uint8_t*>(RowPtr(w, r)), x + i * cols, cols);
      });
  }
}

}  // namespace

namespace {
std::atomic<bool> g_reference{false};

// The kernel that last ran per weight type, for decode (n < 4) and prompts: what MatMulKernelsUsed
// reports. A relaxed store of a static name per call.
std::atomic<const char*> g_used[kNumDTypes][2] = {};

void NoteKernel(DType type, size_t n, const char* name) {
  std::atomic<const char*>& slot = g_used[static_cast<int>(type)][n >= 4 ? 1 : 0];
  if (slot.load(std::memory_order_relaxed) != name) slot.store(name, std::memory_order_relaxed);
}
}  // namespace

namespace {

// Packed inputs of the calling thread, kept between calls: an image's MLP inputs take 35 MB, past
// what malloc keeps, and fresh pages cost a fault each (a third of that GEMM's time here).
uint32_t* InputScratch(size_t words) {
  thread_local std::vector<uint32_t> scratch;
  if (scratch.size() < words) {
    scratch = std::vector<uint32_t>();
    scratch.resize(words);
  }
  return scratch.data();
}

// The inputs interleaved in groups of `group` (InterleaveF32Inputs), in the calling thread's buffer,
// kept between calls as InputScratch is.
const float* InterleavedInputs(const float* x, size_t n, size_t cols, size_t group, Executor* ex) {
  thread_local std::vector<float> scratch;
  const size_t floats = InterleavedF32InputFloats(n, cols, group);
  if (scratch.size() < floats) {
    scratch = std::vector<float>();
    scratch.resize(floats);
  }
  float* out = scratch.data();
  ParallelFor(ex, (n + group - 1) / group, 4,
              [&](size_t g0, size_t g1) { InterleaveF32Inputs(x, n, cols, group, out, g0, g1); });
  return out;
}

// Rows per task of `plan` on a matrix of `rows` rows: the plan's size, but never so large that
// fewer than two tasks per thread remain, so that a small matrix still spreads over every thread.
size_t TaskRows(const MatMulPlan& plan, size_t row_bytes, size_t rows, Executor* ex) {
  const size_t threads = ex ? static_cast<size_t>(std::max(1, ex->num_threads())) : 1;
  const size_t step = std::max<size_t>(1, plan.row_step);
  const size_t spread = ((rows + 2 * threads - 1) / (2 * threads) + step - 1) / step * step;
  return std::max(step, std::min(plan.RowsPerTask(row_bytes), spread));
}

// Splits rows [0, rows) into chunks of `chunk` rows across the executor.
template <typename Fn>
void ForRowChunks(size_t rows, size_t chunk, Executor* ex, Fn fn) {
  ParallelFor(ex, (rows + chunk - 1) / chunk, 1,
              [&](size_t c0, size_t c1) { fn(c0 * chunk, std::min(rows, c1 * chunk)); });
}


// Inputs rounded to bf16 against BF16 weights: panels repacked at load, or rows packed here a
// chunk at a time.
void MatMulBF16(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex) {
  const size_t pairs = BF16Pairs(w.cols);
  uint32_t* packed = InputScratch(n * pairs);
  ParallelFor(ex, n, 16, [&](size_t i0, size_t i1) {
    PackInputPairs(x + i0 * w.cols, i1 - i0, w.cols, w.cols, packed + i0 * pairs);
  });
  // Up to 256 rows per task: the more rows, the fewer times the inputs stream past. Tasks come
  // in a multiple of the thread count so none waits on a last one.
  const size_t threads = ex ? static_cast<size_t>(std::max(1, ex->num_threads())) : 1;
  size_t tasks = threads;
  while ((w.rows + tasks - 1) / tasks > 256) tasks += threads;
  const size_t chunk = ((w.rows + tasks - 1) / tasks + kBF16PanelLanes - 1) / kBF16PanelLanes * kBF16PanelLanes;
  if (w.panels) {
    const BF16PanelsView view{static_cast<const uint32_t*>(w.panels), w.rows, pairs};
    return ForRowChunks(w.rows, chunk, ex, [&](size_t r0, size_t r1) {
      GemmBF16(view, r0 / kBF16PanelLanes, BF16PanelCount(r1), packed, n, y, w.rows);
    });
  }
  ForRowChunks(w.rows, chunk, ex, [&](size_t r0, size_t r1) {
    thread_local BF16Panels panels;  // kept: up to 3.5 MB, whose fresh pages would fault per call
    for (size_t r = r0; r < r1; r += chunk) {
      const size_t rows = std::min(chunk, r1 - r);
      PackPanelsFromBF16(static_cast<const uint16_t*>(w.data) + r * w.cols, rows, w.cols, panels);
      GemmBF16(panels.view(), 0, panels.n_panels(), packed, n, y + r, w.rows);
    }
  });
}

// Every row tile against every input with the ISA's per-row dot kernels (kernels/matmul/dot_kernels.h).
void RunDotRows(const float* x, const BlockQ8Act* xq, size_t n, const MatrixView& w, float* y, Executor* ex,
                const MatMulPlan& plan, const DotKernels& k) {
  const size_t tiles = (w.rows + kRowTile - 1) / kRowTile;
  const size_t grain = std::max<size_t>(1, plan.RowsPerTask(DTypeBytes(w.dtype, w.cols)) / kRowTile);
  ParallelFor(ex, tiles, grain, [&](size_t t0, size_t t1) {
    RunRows(x, xq, n, w, y, t0 * kRowTile, std::min(w.rows, t1 * kRowTile), k);
  });
}

// Q8_0 / Q4_0 weights (and Q5_0 / Q5_1 on a kQGemm plan): the inputs quantized to 8-bit blocks
// once per call (one term, or two: see MatMulOptions::two_term_q8_inputs, each input then being
// two consecutive quantized rows whose products are summed), then the plan's integer kernel over
// all quantized rows; the plan is the one for n inputs (decode or prompt), whatever the number of
// terms.
void MatMulQ8Inputs(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex,
                    const MatMulOptions& options, const MatMulPlan& plan, const DotKernels& k) {
  const size_t nb = w.cols / 32, terms = options.two_term_q8_inputs ? 2 : 1, nq = terms * n;
  const size_t row_bytes = DTypeBytes(w.dtype, w.cols);
  // The calling thread's buffers, kept between calls: a prompt's take megabytes, whose fresh pages
  // fault on every call. Named through pointers: a lambda that names a thread_local reads the
  // running thread's.
  thread_local std::vector<BlockQ8Act> xq_scratch;
  thread_local std::vector<float> terms_scratch;
  thread_local PackedInputsQ8 packed_scratch;
  if (xq_scratch.size() < nq * nb) xq_scratch.resize(nq * nb);
  if (terms == 2 && terms_scratch.size() < nq * w.rows) terms_scratch.resize(nq * w.rows);
  BlockQ8Act* xq = xq_scratch.data();
  // A micro-kernel that takes its inputs in its own layout (QGemmUkernel::prepare_inputs) gets each input
  // rebuilt right after it is quantized, in the same parallel pass.
  const QGemmUkernel* uk = nullptr;
  if (plan.path == MatMulPath::kQGemm) uk = plan.ukernel->panels && !w.panels ? plan.in_place : plan.ukernel;
  const uint8_t* inputs = reinterpret_cast<const uint8_t*>(xq);
  size_t input_bytes = sizeof(BlockQ8Act);
  uint8_t* prepared = nullptr;
  if (uk && uk->prepare_inputs) {
    thread_local std::vector<uint64_t> prepared_scratch;  // kept, as the blocks are
    input_bytes = uk->prepared_block_bytes;
    const size_t words = (nq * nb * input_bytes + 7) / 8;
    if (prepared_scratch.size() < words) prepared_scratch.resize(words);
    prepared = reinterpret_cast<uint8_t*>(prepared_scratch.data());
    inputs = prepared;
  }
  auto quantize = [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      const float* xi = x + i * w.cols;
      if (terms == 2) {
        QuantizeActivationsQ8Split(xi, xq + 2 * i * nb, xq + (2 * i + 1) * nb, w.cols);
      } else {
        QuantizeActivationsQ8(xi, xq + i * nb, w.cols);
      }
    }
    if (prepared) {
      uk->prepare_inputs(xq + terms * i0 * nb, terms * (i1 - i0) * nb, prepared + terms * i0 * nb * input_bytes);
    }
  };
  // Once per call, not per tile; split across threads for prompts.
  if (n >= 32) {
    ParallelFor(ex, n, 16, quantize);
  } else {
    quantize(0, n);
  }
  float* yq = terms == 2 ? terms_scratch.data() : y;  // two terms: [input][term][row]
  if (uk) {
    // A kernel that reads load-time panels takes the matrix's; one that was not repacked, the
    // in-place kernel of the same tile. Panel p starts where row MR · p's blocks did.
    const auto* base = static_cast<const uint8_t*>(uk->panels ? w.panels : w.data);
    NoteKernel(w.dtype, n, uk->name);
    // A tile of MR rows stays in L1 while a block of inputs (about kQGemmInputBytes of them, in
    // L2) streams past it; the task's rows stay in L2 across the blocks of inputs.
    const size_t input_block = std::max(uk->nr, kQGemmInputBytes / (nb * input_bytes) / uk->nr * uk->nr);
    ForRowChunks(w.rows, TaskRows(plan, row_bytes, w.rows, ex), ex, [&](size_t r0, size_t r1) {
      for (size_t i0 = 0; i0 < nq; i0 += input_block) {
        const size_t i1 = std::min(nq, i0 + input_block);
        for (size_t r = r0; r < r1; r += uk->mr) {
          const size_t rows = std::min(uk->mr, r1 - r);
          for (size_t i = i0; i < i1; i += uk->nr) {
            uk->fn(base + r * row_bytes, row_bytes, rows, inputs + i * nb * input_bytes, std::min(uk->nr, i1 - i), nb,
                   yq + i * w.rows + r, w.rows);
          }
        }
      }
    });
#if defined(__x86_64__) || defined(_M_X64)
  } else if (plan.path == MatMulPath::kQPanels) {
    NoteKernel(w.dtype, n, plan.kernel);
    PackedInputsQ8& packed = packed_scratch;
    PackInputsQ8(xq, nq, w.cols, w.dtype, packed);
    ForRowChunks(w.rows, TaskRows(plan, row_bytes, w.rows, ex), ex,
                 [&](size_t r0, size_t r1) { GemmQ8Avx512(w, packed, nq, yq, r0, r1); });
#endif
  } else {
    NoteKernel(w.dtype, n, k.isa);
    RunDotRows(nullptr, xq, nq, w, yq, ex, plan, k);
  }
  if (terms == 2) {
    for (size_t i = 0; i < n; ++i) {
      const float* hi = yq + 2 * i * w.rows;
      const float* lo = hi + w.rows;
      for (size_t r = 0; r < w.rows; ++r) y[i * w.rows + r] = hi[r] + lo[r];
    }
  }
}

// Block types on affine u8 panels (u8_panels.h): inputs quantized once per call (one or two
// terms), each task unpacking its rows once for all of them.
void MatMulU8Panels(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex,
                    const MatMulOptions& options, const MatMulPlan& plan) {
  const bool two_terms = options.two_term_q8_inputs;
  // The calling thread's, kept: a prompt's inputs take megabytes, whose fresh pages would fault.
  // Named through a reference: a lambda that names a thread_local reads the running thread's.
  thread_local U8PanelInputs scratch;
  U8PanelInputs& packed = scratch;
  PackU8PanelInputs(x, n, w.cols, U8GroupSize(w.dtype), two_terms, packed, ex);
  thread_local std::vector<float> terms_scratch;  // two terms: [input][term][row]
  if (two_terms && terms_scratch.size() < 2 * n * w.rows) terms_scratch.resize(2 * n * w.rows);
  float* yq = two_terms ? terms_scratch.data() : y;
  ForRowChunks(w.rows, TaskRows(plan, DTypeBytes(w.dtype, w.cols), w.rows, ex), ex,
               [&](size_t r0, size_t r1) { plan.u8_gemm(w, packed, packed.n, yq, r0, r1); });
  if (!two_terms) return;
  for (size_t i = 0; i < n; ++i) {
    const float* hi = yq + 2 * i * w.rows;
    const float* lo = hi + w.rows;
    for (size_t r = 0; r < w.rows; ++r) y[i * w.rows + r] = hi[r] + lo[r];
  }
}

}  // namespace

void SetReferenceMatMul(bool enabled) { g_reference = enabled; }

void MatMul(const float* x, size_t n, const MatrixView& w, float* y, Executor* ex, const MatMulOptions& options) {
  if (g_reference.load(std::memory_order_relaxed)) {
    NoteKernel(w.dtype, n, "reference");
    return MatMulReference(x, n, w, y);
  }
  // Repacked at load only under Precision::kFast (model/repack.h), so bf16 products for any n.
  if (w.dtype == DType::kBF16 && w.panels) {
    NoteKernel(w.dtype, n, "bf16_f32_gemm_4x6__avx512bf16");
    return MatMulBF16(x, n, w, y, ex);
  }
#if defined(__x86_64__) || defined(_M_X64)
  // Fast precision without load-time panels (matrices that were not repacked): packed per call, which
  // pays for itself from a few inputs on.
  if (w.dtype == DType::kBF16 && options.bf16_inputs && n >= 4 && HasFastBF16Gemm()) {
    NoteKernel(w.dtype, n, "bf16_f32_gemm_4x6__avx512bf16");
    return MatMulBF16(x, n, w, y, ex);
  }
#endif
  const DotKernels& k = BestDotKernels();
  const MatMulPlan* plan = &FindMatMulPlan(MatMulIsa(), w.dtype, n);
  // Panels for decode only where the matrix was repacked at load; prompts repack on the fly.
  // Elsewhere (a family's own matrices, Gemma 3n's AltUp and LAuReL) the AVX2 micro-kernels read
  // the blocks in place: faster than the row dot kernels.
  if (plan->path == MatMulPath::kQPanels && n < 4 && !w.panels) plan = &FindMatMulPlan(Isa::kAvx2, w.dtype, n);
  const size_t row_bytes = DTypeBytes(w.dtype, w.cols);
  // Q8_0 / Q4_0 on any plan (the row dot kernels take 8-bit inputs for them too); other 32-blocks
  // (Q5_0, Q5_1) where the plan has an integer micro-kernel for them, else float inputs below.
  if (w.dtype == DType::kQ8_0 || w.dtype == DType::kQ4_0 ||
      (plan->path == MatMulPath::kQGemm && plan->ukernel->act == ActQuant::kQ8_0)) {
    return MatMulQ8Inputs(x, n, w, y, ex, options, *plan, k);
  }
  // K-quants (Q4_K, Q5_K, Q6_K) against Q8_K32 inputs on integer kernels that read the blocks in
  // place (on AVX-512 they decode faster than its fused float kernel, x86_avx512_kquant.cc, kept
  // for matrices without their blocks in memory: Gemma 3n E2B Q4_0, whose output matrix is Q6_K,
  // 14.3 -> 21 t/s on a Zen 5).
  // Decode reads the 8-row panels where the matrix was repacked at load, else the blocks in place.
  if (plan->path == MatMulPath::kQGemm && plan->ukernel->act == ActQuant::kQ8_K32 &&
      (w.panels || (w.data && (!plan->ukernel->panels || plan->in_place)))) {
    const QGemmUkernel& uk = plan->ukernel->panels && !w.panels ? *plan->in_place : *plan->ukernel;
    NoteKernel(w.dtype, n, uk.name);
    return MatMulQ8K32(x, n, w, y, ex, uk, options.two_term_q8_inputs);
  }
  // Prompts unpack rows from the panels where the matrix was repacked (UnpackChunkU8Avx2).
  if ((w.data || w.panels) && plan->path == MatMulPath::kU8Panels) {
    NoteKernel(w.dtype, n, plan->kernel);
    return MatMulU8Panels(x, n, w, y, ex, options, *plan);
  }
  if (plan->path == MatMulPath::kFloatRows) {
    NoteKernel(w.dtype, n, plan->kernel);
    const float* xr = plan->input_group ? InterleavedInputs(x, n, w.cols, plan->input_group, ex) : x;
    return ForRowChunks(w.rows, TaskRows(*plan, row_bytes, w.rows, ex), ex,
                        [&](size_t r0, size_t r1) { plan->rows_fn(w, xr, n, y, r0, r1); });
  }
  NoteKernel(w.dtype, n, k.isa);
  RunDotRows(x, nullptr, n, w, y, ex, *plan, k);
}

std::string MatMulKernelsUsed() {
  std::string out;
  for (int t = 0; t < kNumDTypes; ++t) {
    for (int prompt = 0; prompt < 2; ++prompt) {
      const char* name = g_used[t][prompt].load(std::memory_order_relaxed);
      if (!name) continue;
      if (!out.empty()) out += ", ";
      out += std::string(DTypeName(static_cast<DType>(t))) + (prompt ? " prompt: " : " decode: ") + name;
      if (std::string_view(name).find("__") == std::string_view::npos && std::string_view(name) != "reference") {
        out += " dot rows";  // the per-ISA row kernels of dot_kernels.h
      }
    }
  }
  return out;
}

void ResetMatMulKernelsUsed() {
  for (auto& per_type : g_used) {
    for (auto& slot : per_type) slot.store(nullptr, std::memory_order_relaxed);
  }
}

}  // namespace gemmakit
