// The K-quant × Q8_K32 operator: inputs quantized to Q8_K32 once per call, output rows split across
// threads, each task tiling its rows × all inputs over one micro-kernel (kquant_q8k.h).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels/matmul/kquant_q8k.h"
#include "kernels/parallel.h"

namespace gemmakit {

void MatMulQ8K32(const float* x, size_t n_inputs, const MatrixView& w, float* y_out, Executor* ex,
                 const QGemmUkernel& k, bool two_terms) {
  const size_t nb = w.cols / 256, stride = DTypeBytes(w.dtype, w.cols), terms = two_terms ? 2 : 1;
  const size_t n = terms * n_inputs;  // quantized rows: input i's terms are rows terms·i, terms·i + 1
  // The calling thread's, kept between calls: a prompt's inputs take megabytes, whose fresh pages
  // would fault on every call.
  thread_local std::vector<BlockQ8K32> scratch;
  if (scratch.size() < n * nb) {
    scratch = std::vector<BlockQ8K32>();
    scratch.resize(n * nb);
  }
  BlockQ8K32* xq = scratch.data();
  // A kernel that reads its inputs in a layout of its own (QGemmUkernel::prepare_inputs) gets each
  // input rebuilt right after it is quantized, in the same parallel pass.
  const uint8_t* inputs = reinterpret_cast<const uint8_t*>(xq);
  size_t input_bytes = sizeof(BlockQ8K32);
  uint8_t* prepared = nullptr;
  if (k.prepare_inputs) {
    thread_local std::vector<uint64_t> prepared_scratch;  // kept, as the blocks are
    input_bytes = k.prepared_block_bytes;
    const size_t words = (n * nb * input_bytes + 7) / 8;
    if (prepared_scratch.size() < words) prepared_scratch.resize(words);
    prepared = reinterpret_cast<uint8_t*>(prepared_scratch.data());
    inputs = prepared;
  }
  ParallelFor(ex, n_inputs, 8, [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i) {
      if (two_terms) {
        QuantizeActivationsQ8K32Split(x + i * w.cols, xq + 2 * i * nb, xq + (2 * i + 1) * nb, w.cols);
      } else {
        QuantizeActivationsQ8K32(x + i * w.cols, xq + i * nb, w.cols);
      }
    }
    if (prepared) {
      k.prepare_inputs(xq + terms * i0 * nb, terms * (i1 - i0) * nb, prepared + terms * i0 * nb * input_bytes);
    }
  });
  std::vector<float> term_outputs(two_terms ? n * w.rows : 0);
  float* y = two_terms ? term_outputs.data() : y_out;
  // Decode: about 64 KB of weights per task. Prompts: 64 rows, whose weights stay in L2 while
  // every input passes them NR at a time.
  const size_t chunk = n_inputs < 4 ? std::max(k.mr, 65536 / stride / k.mr * k.mr) : 64 / k.mr * k.mr;
  // A panel kernel reads the matrix's panels: panel p where row 8p's blocks would start.
  const uint8_t* base = static_cast<const uint8_t*>(k.panels ? w.panels : w.data);
  ParallelFor(ex, (w.rows + chunk - 1) / chunk, 1, [&](size_t c0, size_t c1) {
    const size_t r0 = c0 * chunk, r1 = std::min(w.rows, c1 * chunk);
    for (size_t i = 0; i < n; i += k.nr) {
      for (size_t r = r0; r < r1; r += k.mr) {
        k.fn(base + r * stride, stride, std::min(k.mr, r1 - r), inputs + i * nb * input_bytes, std::min(k.nr, n - i),
             nb, y + i * w.rows + r, w.rows);
      }
    }
  });
  if (!two_terms) return;
  for (size_t i = 0; i < n_inputs; ++i) {
    const float* hi = y + 2 * i * w.rows;
    const float* lo = hi + w.rows;
    for (size_t r = 0; r < w.rows; ++r) y_out[i * w.rows + r] = hi[r] + lo[r];
  }
}

}  // namespace gemmakit
