#include "kernels/matmul/matmul_table.h"

#include <algorithm>

#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/panels.h"

namespace gemmakit {

extern const QGemmUkernel kQ8_0Q8_0Gemm4x4Scalar, kQ4_0Q8_0Gemm4x4Scalar;
extern const QGemmUkernel kQ5_0Q8_0Gemm4x4Scalar, kQ5_1Q8_0Gemm4x4Scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const QGemmUkernel kQ8_0Q8_0Gemm4x4Avx2, kQ8_0Q8_0Gemm8x4Avx2, kQ8_0Q8_0Gemm8x64Avx2, kQ4_0Q8_0Gemm8x4Avx2,
    kQ4_0Q8_0Gemm8x64Avx2;
extern const QGemmUkernel kQ8_0Q8_0Gemm4x4AvxVnni, kQ8_0Q8_0Gemm8x4AvxVnni, kQ8_0Q8_0Gemm8x64AvxVnni,
    kQ4_0Q8_0Gemm8x4AvxVnni, kQ4_0Q8_0Gemm8x64AvxVnni;
extern const QGemmUkernel kQ5_0Q8_0Gemm8x8Avx2, kQ5_1Q8_0Gemm8x8Avx2, kQ5_0Q8_0Gemm8x8AvxVnni, kQ5_1Q8_0Gemm8x8AvxVnni;
extern const QGemmUkernel kQ5_0Q8_0Gemm8x64Avx2, kQ5_1Q8_0Gemm8x64Avx2, kQ5_0Q8_0Gemm8x64AvxVnni,
    kQ5_1Q8_0Gemm8x64AvxVnni;
extern const QGemmUkernel kQ4_KQ8K32Gemm1x1Avx2, kQ5_KQ8K32Gemm1x1Avx2, kQ6_KQ8K32Gemm1x1Avx2, kQ4_Kx8Q8K32Gemm8x1Avx2,
    kQ6_Kx8Q8K32Gemm8x1Avx2, kQ4_Kx8Q8K32Gemm8x1AvxVnni, kQ6_Kx8Q8K32Gemm8x1AvxVnni, kQ4_Kx8Q8K32Gemm8x1Avx512,
    kQ6_Kx8Q8K32Gemm8x1Avx512, kQ6_Kx8Q8K32Gemm8x128Avx2, kQ6_KQ8K32Gemm8x128Avx2, kQ4_Kx8Q8K32Gemm8x128Avx2,
    kQ4_KQ8K32Gemm8x128Avx2, kQ5_Kx8Q8K32Gemm8x1Avx2, kQ5_Kx8Q8K32Gemm8x1AvxVnni, kQ5_Kx8Q8K32Gemm8x1Avx512,
    kQ5_Kx8Q8K32Gemm8x128Avx2, kQ5_KQ8K32Gemm8x128Avx2;
extern const QGemmUkernel kQ5_0Q8_0Gemm16x4Avx512, kQ5_1Q8_0Gemm16x4Avx512, kQ5_0x8Q8_0Gemm8x4Avx512;
extern const QGemmUkernel kQ8_0x8Q8_0Gemm8x4Avx2, kQ8_0x8Q8_0Gemm8x64Avx2, kQ8_0x8Q8_0Gemm16x128Avx2,
    kQ8_0x8Q8_0Gemm8x4AvxVnni, kQ8_0x8Q8_0Gemm8x64AvxVnni;
extern const QGemmUkernel kQ4_0x8Q8_0Gemm8x4Avx2, kQ4_0x8Q8_0Gemm8x64Avx2, kQ4_0x8Q8_0Gemm8x4AvxVnni,
    kQ4_0x8Q8_0Gemm8x64AvxVnni;
extern const QGemmUkernel kQ5_0x8Q8_0Gemm8x4Avx2, kQ5_0x8Q8_0Gemm8x64Avx2, kQ5_0x8Q8_0Gemm8x4AvxVnni,
    kQ5_0x8Q8_0Gemm8x64AvxVnni;
#endif

size_t MatMulPlan::RowsPerTask(size_t row_bytes) const {
  const size_t rows = task_rows ? task_rows : task_bytes / std::max<size_t>(1, row_bytes);
  return std::max(row_step, rows / row_step * row_step);
}

namespace {

// Row kernels: enough weight bytes per task that scheduling stays cheap next to the work.
constexpr MatMulPlan kDotRows = {MatMulPath::kDotRows, nullptr, nullptr, nullptr, 0, 16384, 4, nullptr};

constexpr MatMulPlan QGemm(const QGemmUkernel& k, size_t task_rows, size_t task_bytes,
                           const QGemmUkernel* in_place = nullptr) {
  return {MatMulPath::kQGemm, k.name, &k, nullptr, task_rows, task_bytes, k.mr, nullptr, in_place};
}

#if defined(__x86_64__) || defined(_M_X64)
// AVX-512 VNNI: panels. Decode about 64 KB of weights per task; prompts 64 rows, enough work per
// task next to the cost of repacking them when a matrix was not repacked at load.
constexpr MatMulPlan QPanels(const char* name, size_t task_rows, size_t task_bytes) {
  return {MatMulPath::kQPanels, name, nullptr, nullptr, task_rows, task_bytes, kPanelRows, nullptr};
}
// Prompts of every type without panels of its own: 64 rows per task (the panel kernels' size),
// unpacked once and met by every input.
constexpr MatMulPlan U8Panels(const char* name, U8GemmFn fn) {
  return {MatMulPath::kU8Panels, name, nullptr, nullptr, 64, 0, kPanelRows, fn};
}
// BF16 weights at exact precision: the float32 GEMM widens and packs each weight block once per call,
// which a handful of inputs do not pay back; the decode kernels read the weights in place, a few
// inputs per pass. Crossovers on a Zen 4 (1B BF16 prompts of 8-24 tokens, 2 threads, t/s GEMM ->
// decode kernels: AVX2 8: 29 -> 51, 12: 39 -> 52, 16: 52 -> 51, 24: 67 -> 61; AVX-512 row dots
// 8: 29 -> 38, 12: 46 -> 50, 16: 54 -> 43). On a Xeon (family 6 model 207, no AVX512_BF16), AVX-512 GEMM
// -> the AVX2 decode kernel: 8: 21 -> 24, 12: 27 -> 24, 16: 28 -> 25, 24: 41 -> 29.
constexpr size_t kBF16PromptInputsAvx2 = 16, kBF16PromptInputsAvx512 = 12;
constexpr MatMulPlan kF32GemmAvx2 = {
    MatMulPath::kFloatRows, "f32_gemm_16x6__avx2", nullptr, GemmF32Avx2, 64, 0, 1, nullptr, nullptr,
    kF32GemmInputsAvx2};
constexpr MatMulPlan kF32GemmAvx512 = {
    MatMulPath::kFloatRows, "f32_gemm_32x12__avx512", nullptr, GemmF32Avx512, 64, 0, 1, nullptr, nullptr,
    kF32GemmInputsAvx512};
constexpr MatMulPlan kBF16GemvAvx2 = {MatMulPath::kFloatRows, "bf16_f32_gemv_1x3__avx2", nullptr, GemvBF16Avx2, 0, 65536, 1, nullptr};  // about 64 KB of weights per task
#endif

// Searched in order: the first entry of the ISA that names the weight type, or takes any.
const MatMulEntry kTable[] = {
#if defined(__x86_64__) || defined(_M_X64)
    {Isa::kAvx512, DType::kQ8_0, false, QPanels("q8_0_f32_gemm_16x4__avx512vnni", 0, 65536),
     QPanels("q8_0_f32_gemm_16x4__avx512vnni", 64, 0)},
    {Isa::kAvx512, DType::kQ4_0, false, QPanels("q4_0_f32_gemm_16x4__avx512vnni", 0, 65536),
     QPanels("q4_0_f32_gemm_16x4__avx512vnni", 64, 0)},
    // The other block types: prompts on affine u8 panels; decode on the 8-row panels repacked at
    // load with vpdpbusd on ymm (x86_avx512_rows8_panels_qgemm.cc; Zen 4, one thread, 6912 x 1152:
    // Q5_0 16.4 GB/s on the 16-row kernel in place -> 36-38, 1B Q4_K_M tg128 24.5 -> 29-33 t/s),
    // Q5_1 on the blocks in place, the rarer types on the AVX-512 row dot kernels.
    {Isa::kAvx512, DType::kQ5_0, false, QGemm(kQ5_0x8Q8_0Gemm8x4Avx512, 0, 65536, &kQ5_0Q8_0Gemm16x4Avx512),
     U8Panels("q5_0_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kQ5_1, false, QGemm(kQ5_1Q8_0Gemm16x4Avx512, 0, 65536),
     U8Panels("q5_1_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kQ4_K, false, QGemm(kQ4_Kx8Q8K32Gemm8x1Avx512, 0, 65536, &kQ4_KQ8K32Gemm1x1Avx2),
     U8Panels("q4_k_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kQ5_K, false, QGemm(kQ5_Kx8Q8K32Gemm8x1Avx512, 0, 65536, &kQ5_KQ8K32Gemm1x1Avx2),
     U8Panels("q5_k_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kQ6_K, false, QGemm(kQ6_Kx8Q8K32Gemm8x1Avx512, 0, 65536, &kQ6_KQ8K32Gemm1x1Avx2),
     U8Panels("q6_k_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kQ4_1, false, kDotRows, U8Panels("q4_1_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kIQ4_NL, false, kDotRows, U8Panels("iq4_nl_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kIQ4_XS, false, kDotRows, U8Panels("iq4_xs_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kQ2_K, false, kDotRows, U8Panels("q2_k_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    {Isa::kAvx512, DType::kQ3_K, false, kDotRows, U8Panels("q3_k_q8_0_gemm_32x4__avx512vnni", GemmU8PanelsAvx512)},
    // Float prompts: the AVX2 GEMM's blocking on zmm registers. BF16 decode: the AVX2 kernel, whose
    // prefetches keep a row's stream ahead where the AVX-512 row dots did not.
    {Isa::kAvx512, DType::kBF16, false, kBF16GemvAvx2, kF32GemmAvx512, kBF16PromptInputsAvx512},
    {Isa::kAvx512, DType::kF32, true, kDotRows, kF32GemmAvx512},
    // AVX-VNNI: the AVX2 tier with vpdpbusd in its integer kernels (same tiles, same tasks); every
    // other type takes the AVX2 entries (FindMatMulPlan).
    {Isa::kAvxVnni, DType::kQ8_0, false, QGemm(kQ8_0x8Q8_0Gemm8x4AvxVnni, 0, 65536, &kQ8_0Q8_0Gemm8x4AvxVnni),
     QGemm(kQ8_0x8Q8_0Gemm8x64AvxVnni, 16, 0, &kQ8_0Q8_0Gemm8x64AvxVnni)},
    {Isa::kAvxVnni, DType::kQ4_0, false, QGemm(kQ4_0x8Q8_0Gemm8x4AvxVnni, 0, 65536, &kQ4_0Q8_0Gemm8x4AvxVnni),
     QGemm(kQ4_0x8Q8_0Gemm8x64AvxVnni, 16, 0, &kQ4_0Q8_0Gemm8x64AvxVnni)},
    {Isa::kAvxVnni, DType::kQ5_0, false, QGemm(kQ5_0x8Q8_0Gemm8x4AvxVnni, 0, 65536, &kQ5_0Q8_0Gemm8x8AvxVnni),
     QGemm(kQ5_0x8Q8_0Gemm8x64AvxVnni, 16, 0, &kQ5_0Q8_0Gemm8x64AvxVnni)},
    {Isa::kAvxVnni, DType::kQ5_1, false, QGemm(kQ5_1Q8_0Gemm8x8AvxVnni, 0, 65536),
     QGemm(kQ5_1Q8_0Gemm8x64AvxVnni, 16, 0)},
    {Isa::kAvxVnni, DType::kQ4_K, false, QGemm(kQ4_Kx8Q8K32Gemm8x1AvxVnni, 0, 65536, &kQ4_KQ8K32Gemm1x1Avx2),
     U8Panels("q4_k_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    {Isa::kAvxVnni, DType::kQ5_K, false, QGemm(kQ5_Kx8Q8K32Gemm8x1AvxVnni, 0, 65536, &kQ5_KQ8K32Gemm1x1Avx2),
     U8Panels("q5_k_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    {Isa::kAvxVnni, DType::kQ6_K, false, QGemm(kQ6_Kx8Q8K32Gemm8x1AvxVnni, 0, 65536, &kQ6_KQ8K32Gemm1x1Avx2),
     U8Panels("q6_k_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    {Isa::kAvxVnni, DType::kQ4_1, false, kDotRows, U8Panels("q4_1_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    {Isa::kAvxVnni, DType::kQ2_K, false, kDotRows, U8Panels("q2_k_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    {Isa::kAvxVnni, DType::kQ3_K, false, kDotRows, U8Panels("q3_k_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    // vpdpbusd sums in int32: the non-linear types' bytes (up to 241) fit, unlike on AVX2.
    {Isa::kAvxVnni, DType::kIQ4_NL, false, kDotRows, U8Panels("iq4_nl_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    {Isa::kAvxVnni, DType::kIQ4_XS, false, kDotRows, U8Panels("iq4_xs_q8_0_gemm_8x4__avxvnni", GemmU8PanelsAvxVnni)},
    // AVX2: Q8_0, Q4_0 and Q5_0 from 8-row panels repacked at load (rows8_panels.h), the blocks in place for matrices
    // that were not (in_place). Decode: about 64 KB of weights per task; prompts: 16 rows, whose blocks stay in L1
    // while every input streams past, staged 8 rows at a time for up to kStagedNR inputs per call (32 when measured;
    // one Zen 5 thread, n = 256: Q8_0 100 -> 137 GOP/s on AVX2, 119 -> 211 on AVX-VNNI; Q4_0 150 -> 180 and 191 ->
    // 203). In place, decode was bound by the instructions that gather 8 rows into registers; from the panels (one
    // thread, 6912 x 1152 in L3, 1 input, GB/s of weights: Q8_0 24.4 -> 39.4, AVX-VNNI 27.2 -> 43.8; Q4_0 18.9 -> 30.9
    // and 19.8 -> 34.9; Q5_0 15.9 -> 33.5 and 15.8 -> 35.5; prompts within 10%). Q5_0 / Q5_1 staged instead of the u8
    // panels (AVX2, MatMul on one thread, n = 64 / 256: Q5_0 131 / 180 -> 196 / 188 GFLOP/s, Q5_1 72 / 150 -> 189 /
    // 189): most of a Q4_K_M Gemma 3 1B file is Q5_0 (its 1152 columns are not whole K-quant super-blocks).
    // Q8_0 prompts on int16 pairs (vpmaddwd) rather than the sign trick, 16 rows from two panels,
    // the inputs widened once per matmul (x86_avx2_q8_0_int16_gemm.cc; Zen 4, one thread, n = 256:
    // 113-127 -> 129-154 GOP/s; 1B pp512 on 2 threads 145-147 -> 166-172 t/s).
    {Isa::kAvx2, DType::kQ8_0, false, QGemm(kQ8_0x8Q8_0Gemm8x4Avx2, 0, 65536, &kQ8_0Q8_0Gemm8x4Avx2),
     QGemm(kQ8_0x8Q8_0Gemm16x128Avx2, 16, 0, &kQ8_0Q8_0Gemm8x64Avx2)},
    {Isa::kAvx2, DType::kQ4_0, false, QGemm(kQ4_0x8Q8_0Gemm8x4Avx2, 0, 65536, &kQ4_0Q8_0Gemm8x4Avx2),
     QGemm(kQ4_0x8Q8_0Gemm8x64Avx2, 16, 0, &kQ4_0Q8_0Gemm8x64Avx2)},
    {Isa::kAvx2, DType::kQ5_0, false, QGemm(kQ5_0x8Q8_0Gemm8x4Avx2, 0, 65536, &kQ5_0Q8_0Gemm8x8Avx2),
     QGemm(kQ5_0x8Q8_0Gemm8x64Avx2, 16, 0, &kQ5_0Q8_0Gemm8x64Avx2)},
    {Isa::kAvx2, DType::kQ5_1, false, QGemm(kQ5_1Q8_0Gemm8x8Avx2, 0, 65536), QGemm(kQ5_1Q8_0Gemm8x64Avx2, 16, 0)},
    // K-quants against 8-bit activations with a scale per 32 (kquant_q8k.h). Q4_K and Q6_K decode
    // from 8-row panels repacked at load (rows8_panels.h; one thread, 1152 x 6912 in L3, 1 input,
    // GB/s of weights against the in-place 1 x 1 kernels: Q4_K 15.6-18.1 -> 26.0-26.9, Q6_K 22.6
    // -> 27.2); AVX-VNNI and AVX-512 run the same panels with vpdpbusd runs (x86_kquant_rows8_tiles.h;
    // Zen 4, AVX2 -> AVX-512 VNNI: Q4_K 19.4-24.3 -> 21.8-28.3, Q6_K 17.9-21.6 -> 21.2-28.3);
    // prompts from the same panels on staged kernels (x86_avx2_kquant_staged.cc; Xeon family 6 model
    // 207, one thread, 1152 x 6912, 256 inputs, GFLOP/s against the u8 panels: Q4_K 144-154 -> 182-190,
    // Q6_K 111-118 -> 150-163; Q5_K 177-178; 1B Q4_K_M pp512 at 2 threads, A/B pairs, 170-186 ->
    // 194-207 t/s). Q5_K's panels (stop 41) took its decode from the in-place 1 x 1 kernel.
    {Isa::kAvx2, DType::kQ4_K, false, QGemm(kQ4_Kx8Q8K32Gemm8x1Avx2, 0, 65536, &kQ4_KQ8K32Gemm1x1Avx2),
     QGemm(kQ4_Kx8Q8K32Gemm8x128Avx2, 64, 0, &kQ4_KQ8K32Gemm8x128Avx2)},
    {Isa::kAvx2, DType::kQ5_K, false, QGemm(kQ5_Kx8Q8K32Gemm8x1Avx2, 0, 65536, &kQ5_KQ8K32Gemm1x1Avx2),
     QGemm(kQ5_Kx8Q8K32Gemm8x128Avx2, 64, 0, &kQ5_KQ8K32Gemm8x128Avx2)},
    {Isa::kAvx2, DType::kQ6_K, false, QGemm(kQ6_Kx8Q8K32Gemm8x1Avx2, 0, 65536, &kQ6_KQ8K32Gemm1x1Avx2),
     QGemm(kQ6_Kx8Q8K32Gemm8x128Avx2, 64, 0, &kQ6_KQ8K32Gemm8x128Avx2)},
    {Isa::kAvx2, DType::kQ4_1, false, kDotRows, U8Panels("q4_1_q8_0_gemm_8x4__avx2", GemmU8PanelsAvx2)},
    {Isa::kAvx2, DType::kQ2_K, false, kDotRows, U8Panels("q2_k_q8_0_gemm_8x4__avx2", GemmU8PanelsAvx2)},
    {Isa::kAvx2, DType::kQ3_K, false, kDotRows, U8Panels("q3_k_q8_0_gemm_8x4__avx2", GemmU8PanelsAvx2)},
    {Isa::kAvx2, DType::kBF16, false, kBF16GemvAvx2, kF32GemmAvx2, kBF16PromptInputsAvx2},
    {Isa::kAvx2, DType::kF32, true, kDotRows, kF32GemmAvx2},
#endif
    // Scalar and NEON: the row dot kernels for every type.
};

}  // namespace

const MatMulPlan& FindMatMulPlan(Isa isa, DType weight, size_t n) {
  for (const MatMulEntry& e : kTable) {
    if (e.isa == isa && (e.weight == weight || e.any_weight)) return n < e.prompt_inputs ? e.decode : e.prompt;
  }
  if (isa == Isa::kAvxVnni) return FindMatMulPlan(Isa::kAvx2, weight, n);
  return kDotRows;
}

Isa MatMulIsa() { return CpuHasAvxVnni() ? Isa::kAvxVnni : BestIsa(); }

const MatMulPlan& DotRowsPlan() { return kDotRows; }

bool MatMulUsesPanels(Isa isa, DType weight) {
  const MatMulPlan& plan = FindMatMulPlan(isa, weight, 1);
  return plan.path == MatMulPath::kQPanels || (plan.path == MatMulPath::kQGemm && plan.ukernel->panels);
}

const std::vector<const QGemmUkernel*>& AllQGemmUkernels() {
  static const std::vector<const QGemmUkernel*> all = {
    &kQ8_0Q8_0Gemm4x4Scalar,
    &kQ4_0Q8_0Gemm4x4Scalar,
    &kQ5_0Q8_0Gemm4x4Scalar,
    &kQ5_1Q8_0Gemm4x4Scalar,
#if defined(__x86_64__) || defined(_M_X64)
    &kQ8_0Q8_0Gemm4x4Avx2,
    &kQ4_0Q8_0Gemm8x4Avx2,
    &kQ8_0Q8_0Gemm4x4AvxVnni,
    &kQ4_0Q8_0Gemm8x4AvxVnni,
    &kQ5_0Q8_0Gemm8x8Avx2,
    &kQ5_1Q8_0Gemm8x8Avx2,
    &kQ5_0Q8_0Gemm8x8AvxVnni,
    &kQ5_1Q8_0Gemm8x8AvxVnni,
    &kQ8_0Q8_0Gemm8x4Avx2,
    &kQ8_0Q8_0Gemm8x4AvxVnni,
    &kQ8_0Q8_0Gemm8x64Avx2,
    &kQ8_0Q8_0Gemm8x64AvxVnni,
    &kQ4_0Q8_0Gemm8x64Avx2,
    &kQ4_0Q8_0Gemm8x64AvxVnni,
    &kQ5_0Q8_0Gemm8x64Avx2,
    &kQ5_1Q8_0Gemm8x64Avx2,
    &kQ5_0Q8_0Gemm8x64AvxVnni,
    &kQ5_1Q8_0Gemm8x64AvxVnni,
    &kQ5_0Q8_0Gemm16x4Avx512,
    &kQ5_1Q8_0Gemm16x4Avx512,
    &kQ5_0x8Q8_0Gemm8x4Avx512,
    &kQ5_0x8Q8_0Gemm8x4Avx2,
    &kQ5_0x8Q8_0Gemm8x64Avx2,
    &kQ5_0x8Q8_0Gemm8x4AvxVnni,
    &kQ5_0x8Q8_0Gemm8x64AvxVnni,
    &kQ8_0x8Q8_0Gemm8x4Avx2,
    &kQ8_0x8Q8_0Gemm8x64Avx2,
    &kQ8_0x8Q8_0Gemm8x4AvxVnni,
    &kQ8_0x8Q8_0Gemm8x64AvxVnni,
    &kQ4_0x8Q8_0Gemm8x4Avx2,
    &kQ4_0x8Q8_0Gemm8x64Avx2,
    &kQ4_0x8Q8_0Gemm8x4AvxVnni,
    &kQ4_0x8Q8_0Gemm8x64AvxVnni,
    &kQ8_0x8Q8_0Gemm16x128Avx2,
#endif
  };
  return all;
}

}  // namespace gemmakit
