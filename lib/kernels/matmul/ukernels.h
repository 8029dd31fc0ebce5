// The contract of the integer matmul micro-kernels: weights read in place in their stored GGUF
// blocks (no load-time repacking, so a mapped file is used as it is), activations quantized once
// per matmul call to 8-bit blocks. Named by contract as XNNPACK names its kernels:
// <weight>_<activation>_gemm_<MR>x<NR>__<isa>, e.g. q4_k_q8_k_gemm_4x4__avx2 (MR weight rows by NR
// inputs per call). The operator (matmul.cc) tiles a matrix over MR × NR calls and splits rows
// across threads; a kernel knows only vectors, shapes and one instruction set. The matmul table
// (matmul_table.h) lists every one compiled (AllQGemmUkernels) and picks one per weight type and ISA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"

namespace gemmakit {

// How the activations are quantized for a weight type.
enum class ActQuant {
  kQ8_0,  // blocks of 32: BlockQ8Act (kernels/quant/activation_q8.h), for Q8_0 / Q4_0 (and the 32-blocks)
  kQ8_K,  // super-blocks of 256 with per-16 sums: BlockQ8K, for the K-quants
  kQ8_K32,  // super-blocks of 256 with a scale per 32 and per-16 sums: BlockQ8K32 (quant/activation_q8k.h)
};

// y[i * ldy + r] = Σ_b dot(row r block b, input i block b) for r < rows ≤ MR, i < n ≤ NR.
// w: the first row's blocks, w_stride bytes between rows; x: n inputs of nb blocks each, input i
// at x_blocks + i * nb (typed by ActQuant); nb: blocks per row (cols / 32 or cols / 256).
using QGemmFn = void (*)(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb,
                         float* y, size_t ldy);

struct QPanelLayout;  // rows8_panels.h

struct QGemmUkernel {
  const char* name;
  DType weight;
  ActQuant act;
  Isa isa;
  size_t mr, nr;
  QGemmFn fn;
  // Null: fn reads the blocks in place. Else fn reads this load-time layout of MR-row panels (the
  // same bytes per row as the blocks): w is the panel of the first row (panel p at p · MR ·
  // w_stride, where row MR · p's blocks would start), w_stride the row bytes as before.
  const QPanelLayout* panels = nullptr;
  // Null: fn reads the quantized inputs as they are. Else the operator runs it once per call over
  // every input's blocks (n_blocks of them, in order) and fn reads what it wrote, prepared_block_bytes
  // a block, instead: a layout of the inputs that fn would otherwise rebuild for every tile of rows.
  void (*prepare_inputs)(const void* blocks, size_t n_blocks, void* out) = nullptr;
  size_t prepared_block_bytes = 0;
};

// The quantized inputs as k's fn reads them, for the tests and benchmarks that call fn directly (the operator
// prepares them inside its quantize pass): `blocks` as they are, block_bytes each, or, where k asks for it,
// their prepared layout written into `storage` (block_bytes then set to its size per block).
inline const uint8_t* UkernelInputs(const QGemmUkernel& k, const void* blocks, size_t n_blocks, size_t& block_bytes,
                                    std::vector<uint64_t>& storage) {
  if (!k.prepare_inputs) return static_cast<const uint8_t*>(blocks);
  block_bytes = k.prepared_block_bytes;
  storage.resize((n_blocks * block_bytes + 7) / 8);
  k.prepare_inputs(blocks, n_blocks, storage.data());
  return reinterpret_cast<const uint8_t*>(storage.data());
}

}  // namespace gemmakit
