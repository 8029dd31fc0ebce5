// The matmul family's one dispatch table: per instruction set and weight type, which kernel runs
// decode (n < 4 inputs) and prompts, and the tuning constants that go with it (how many rows a
// task takes). matmul.cc looks a plan up here and knows nothing of ISAs; load-time repacking
// (model/repack.h, via PanelsAvailable) asks it whether a type reads panels.
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul/u8_panels.h"
#include "kernels/matmul/ukernels.h"

namespace gemmakit {

struct MatrixView;

enum class MatMulPath {
  kDotRows,   // the ISA's row dot kernels (dot_kernels.h): 4 rows at a time × every input
  kQGemm,     // an integer micro-kernel (ukernels.h) on the GGUF blocks in place
  kQPanels,   // Q8_0 / Q4_0 repacked at load into 16-row panels (panels.h), for AVX-512 VNNI
  kFloatRows, // a kernel on float32 inputs that takes a range of rows (FloatRowsFn)
  kU8Panels,  // rows unpacked per task into affine u8 panels (u8_panels.h), for AVX-512 VNNI prompts
};

// Rows [r0, r1) of y = x · Wᵀ with float32 inputs.
using FloatRowsFn = void (*)(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1);

struct MatMulPlan {
  MatMulPath path;
  const char* kernel;            // what MatMulKernelsUsed reports; null: the dot table's ISA name
  const QGemmUkernel* ukernel;   // kQGemm (ActQuant::kQ8_0 blocks, or kQ8_K32 for the K-quants)
  FloatRowsFn rows_fn;           // kFloatRows
  // Rows per task: task_rows when set, else about task_bytes of weights; a multiple of row_step.
  size_t task_rows, task_bytes, row_step;
  U8GemmFn u8_gemm;              // kU8Panels
  // kQGemm with a ukernel that reads load-time panels (ukernel->panels): the kernel of the same tile
  // on the blocks in place, for matrices that were not repacked (Gemma 3n's AltUp and LAuReL, a
  // family's own matrices).
  const QGemmUkernel* in_place = nullptr;
  // kFloatRows: rows_fn takes the inputs interleaved in groups of this many (InterleaveF32Inputs,
  // once per call); 0: as given.
  size_t input_group = 0;

  size_t RowsPerTask(size_t row_bytes) const;
};

struct MatMulEntry {
  Isa isa;
  DType weight;
  bool any_weight;  // applies to every weight type that no earlier entry of the ISA names
  MatMulPlan decode, prompt;
  // The fewest inputs the prompt plan takes: below it the decode plan serves them in passes.
  size_t prompt_inputs = 4;
};

// The plan for n inputs (decode below the entry's prompt_inputs) of `weight` on `isa`; kAvxVnni
// names the AVX2 tier's AVX-VNNI variants and takes the AVX2 plans for every other type.
const MatMulPlan& FindMatMulPlan(Isa isa, DType weight, size_t n);
// What the table is looked up by on this CPU: BestIsa(), or kAvxVnni on the AVX2 tier where
// CpuHasAvxVnni().
Isa MatMulIsa();
// The row dot kernels' plan (every ISA has them).
const MatMulPlan& DotRowsPlan();
// Whether `weight` is repacked at load into panels on `isa`: the plan's path is kQPanels (the
// AVX-512 16-row panels, panels.h), or its micro-kernel reads panels of its own (QGemmUkernel::panels).
bool MatMulUsesPanels(Isa isa, DType weight);

// Every integer micro-kernel compiled into this build, whether or not this CPU runs it
// (CpuHas(kernel->isa)): the scalar definitions first.
const std::vector<const QGemmUkernel*>& AllQGemmUkernels();

}  // namespace gemmakit
