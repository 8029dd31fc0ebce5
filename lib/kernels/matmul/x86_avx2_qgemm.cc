// Integer micro-kernels for AVX2 (contract: ukernels.h): Q8_0 / Q4_0 / Q5_0 / Q5_1 weight rows read in place in
// their GGUF blocks against inputs quantized to BlockQ8Act. The tiles, shared with the AVX-VNNI
// kernels (x86_avxvnni_qgemm.cc), are in x86_avx2_qgemm_tiles.h, with AVX2's byte dot product (x86_byte_dots.h):
// vpmaddubsw (unsigned by signed bytes, pair sums saturated to int16: the tiles keep them in
// range) added up in int16, then vpmaddwd by ones into int32.
#include "kernels/matmul/x86_avx2_qgemm_tiles.h"
#include "kernels/matmul/x86_avx2_u8_panels.h"
#include "kernels/matmul/x86_byte_dots.h"

namespace gemmakit {

extern const QGemmUkernel kQ8_0Q8_0Gemm4x4Avx2 = {"q8_0_q8_0_gemm_4x4__avx2", DType::kQ8_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  4, kTileNR, kQ8_0Gemm4x4<Avx2Dot>};
extern const QGemmUkernel kQ8_0Q8_0Gemm8x4Avx2 = {"q8_0_q8_0_gemm_8x4__avx2", DType::kQ8_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  8, kTileNR, kQ8_0Gemm8x4<Avx2Dot>};
extern const QGemmUkernel kQ8_0Q8_0Gemm8x64Avx2 = {
    "q8_0_q8_0_gemm_8x64__avx2",      DType::kQ8_0, ActQuant::kQ8_0, Isa::kAvx2, 8, kStagedNR,
    GemmStaged8<Q8_0Staging<Avx2Dot>>};
extern const QGemmUkernel kQ4_0Q8_0Gemm8x4Avx2 = {"q4_0_q8_0_gemm_8x4__avx2", DType::kQ4_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  8, kTileNR, kQ4_0Gemm8x4<Avx2Dot>};
extern const QGemmUkernel kQ4_0Q8_0Gemm8x64Avx2 = {"q4_0_q8_0_gemm_8x64__avx2",
                                                   DType::kQ4_0,
                                                   ActQuant::kQ8_0,
                                                   Isa::kAvx2,
                                                   8,
                                                   kStagedNR,
                                                   GemmStaged8<Rows8Staging<Avx2Dot, Q4_0Rows>>};
extern const QGemmUkernel kQ5_0Q8_0Gemm8x8Avx2 = {"q5_0_q8_0_gemm_8x8__avx2", DType::kQ5_0, ActQuant::kQ8_0, Isa::kAvx2,
                                                  8, 8, kQ5Gemm8x8<Avx2Dot, Q5_0Rows>};
extern const QGemmUkernel kQ5_1Q8_0Gemm8x8Avx2 = {"q5_1_q8_0_gemm_8x8__avx2", DType::kQ5_1, ActQuant::kQ8_0, Isa::kAvx2,
                                                  8, 8, kQ5Gemm8x8<Avx2Dot, Q5_1Rows>};
extern const QGemmUkernel kQ5_0Q8_0Gemm8x64Avx2 = {"q5_0_q8_0_gemm_8x64__avx2",
                                                   DType::kQ5_0,
                                                   ActQuant::kQ8_0,
                                                   Isa::kAvx2,
                                                   8,
                                                   kStagedNR,
                                                   GemmStaged8<Rows8Staging<Avx2Dot, Q5_0Rows>>};
extern const QGemmUkernel kQ5_1Q8_0Gemm8x64Avx2 = {"q5_1_q8_0_gemm_8x64__avx2",
                                                   DType::kQ5_1,
                                                   ActQuant::kQ8_0,
                                                   Isa::kAvx2,
                                                   8,
                                                   kStagedNR,
                                                   GemmStaged8<Rows8Staging<Avx2Dot, Q5_1Rows>>};

// The 32-blocks from the 8-row panels repacked at load (rows8_panels.h).
extern const QGemmUkernel kQ8_0x8Q8_0Gemm8x4Avx2 = {"q8_0x8_q8_0_gemm_8x4__avx2", DType::kQ8_0, ActQuant::kQ8_0,
    Isa::kAvx2, 8, kTileNR, kQ8_0Panel8Gemm8x4<Avx2Dot>, &kQ8_0Rows8Panels};
extern const QGemmUkernel kQ8_0x8Q8_0Gemm8x64Avx2 = {
    "q8_0x8_q8_0_gemm_8x64__avx2",           DType::kQ8_0,     ActQuant::kQ8_0, Isa::kAvx2, 8, kStagedNR,
    GemmStaged8<Q8_0Panel8Staging<Avx2Dot>>, &kQ8_0Rows8Panels};
extern const QGemmUkernel kQ4_0x8Q8_0Gemm8x4Avx2 = {"q4_0x8_q8_0_gemm_8x4__avx2", DType::kQ4_0, ActQuant::kQ8_0,
    Isa::kAvx2, 8, kTileNR, kPanel8Gemm8x4<Avx2Dot, Q4_0Rows>, &kQ4_0Rows8Panels};
extern const QGemmUkernel kQ4_0x8Q8_0Gemm8x64Avx2 = {"q4_0x8_q8_0_gemm_8x64__avx2",
                                                     DType::kQ4_0,
                                                     ActQuant::kQ8_0,
                                                     Isa::kAvx2,
                                                     8,
                                                     kStagedNR,
                                                     GemmStaged8<Panel8Staging<Avx2Dot, Q4_0Rows>>,
                                                     &kQ4_0Rows8Panels};
extern const QGemmUkernel kQ5_0x8Q8_0Gemm8x4Avx2 = {"q5_0x8_q8_0_gemm_8x4__avx2", DType::kQ5_0, ActQuant::kQ8_0,
    Isa::kAvx2, 8, kTileNR, kPanel8Gemm8x4<Avx2Dot, Q5_0Rows>, &kQ5_0Rows8Panels};
extern const QGemmUkernel kQ5_0x8Q8_0Gemm8x64Avx2 = {"q5_0x8_q8_0_gemm_8x64__avx2",
                                                     DType::kQ5_0,
                                                     ActQuant::kQ8_0,
                                                     Isa::kAvx2,
                                                     8,
                                                     kStagedNR,
                                                     GemmStaged8<Panel8Staging<Avx2Dot, Q5_0Rows>>,
                                                     &kQ5_0Rows8Panels};

// The affine u8 panels with this dot product (x86_avx2_u8_panels.h).
void GemmU8PanelsAvx2(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1) {
  GemmU8Panels8<Avx2Dot>(w, x, n, y, r0, r1);
}

}  // namespace gemmakit
