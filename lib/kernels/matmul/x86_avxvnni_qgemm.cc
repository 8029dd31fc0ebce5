// Integer micro-kernels for AVX-VNNI (contract: ukernels.h; Alder Lake and later Intel cores, Zen 5):
// the AVX2 kernels' tiles (x86_avx2_qgemm_tiles.h) with the VEX-encoded vpdpbusd on ymm as the
// byte dot product: unsigned by signed bytes summed 4 at a time straight into int32, one
// instruction where AVX2 takes vpmaddubsw + vpaddw (+ vpmaddwd per block), with no int16 stage to
// keep in range. Q8_0: |w| as the unsigned bytes, x with w's sign as the signed ones; Q4_0: the
// nibbles (0..15) as the unsigned bytes against the activations, the -8 offset applied through
// each activation block's sum (BlockQ8Act::dsum), as on AVX2. The integer sums are exact and the
// float arithmetic after them is AVX2's, so the results are the AVX2 kernels' to the bit.
#include "kernels/matmul/x86_avx2_qgemm_tiles.h"
#include "kernels/matmul/x86_avx2_u8_panels.h"
#include "kernels/matmul/x86_byte_dots.h"

#if !defined(__AVXVNNI__)
#error "compile with -mavxvnni (CMakeLists.txt: x86_avxvnni*.cc)"
#endif

namespace gemmakit {

extern const QGemmUkernel kQ8_0Q8_0Gemm4x4AvxVnni = {"q8_0_q8_0_gemm_4x4__avxvnni", DType::kQ8_0, ActQuant::kQ8_0,
                                                     Isa::kAvxVnni, 4, kTileNR, kQ8_0Gemm4x4<VnniDot>};
extern const QGemmUkernel kQ8_0Q8_0Gemm8x4AvxVnni = {"q8_0_q8_0_gemm_8x4__avxvnni", DType::kQ8_0, ActQuant::kQ8_0,
                                                     Isa::kAvxVnni, 8, kTileNR, kQ8_0Gemm8x4<VnniDot>};
extern const QGemmUkernel kQ8_0Q8_0Gemm8x64AvxVnni = {
    "q8_0_q8_0_gemm_8x64__avxvnni",   DType::kQ8_0, ActQuant::kQ8_0, Isa::kAvxVnni, 8, kStagedNR,
    GemmStaged8<Q8_0Staging<VnniDot>>};
extern const QGemmUkernel kQ4_0Q8_0Gemm8x4AvxVnni = {"q4_0_q8_0_gemm_8x4__avxvnni", DType::kQ4_0, ActQuant::kQ8_0,
                                                     Isa::kAvxVnni, 8, kTileNR, kQ4_0Gemm8x4<VnniDot>};
extern const QGemmUkernel kQ4_0Q8_0Gemm8x64AvxVnni = {"q4_0_q8_0_gemm_8x64__avxvnni",
                                                      DType::kQ4_0,
                                                      ActQuant::kQ8_0,
                                                      Isa::kAvxVnni,
                                                      8,
                                                      kStagedNR,
                                                      GemmStaged8<Rows8Staging<VnniDot, Q4_0Rows>>};
extern const QGemmUkernel kQ5_0Q8_0Gemm8x8AvxVnni = {"q5_0_q8_0_gemm_8x8__avxvnni", DType::kQ5_0, ActQuant::kQ8_0,
                                                     Isa::kAvxVnni, 8, 8, kQ5Gemm8x8<VnniDot, Q5_0Rows>};
extern const QGemmUkernel kQ5_1Q8_0Gemm8x8AvxVnni = {"q5_1_q8_0_gemm_8x8__avxvnni", DType::kQ5_1, ActQuant::kQ8_0,
                                                     Isa::kAvxVnni, 8, 8, kQ5Gemm8x8<VnniDot, Q5_1Rows>};
extern const QGemmUkernel kQ5_0Q8_0Gemm8x64AvxVnni = {"q5_0_q8_0_gemm_8x64__avxvnni",
                                                      DType::kQ5_0,
                                                      ActQuant::kQ8_0,
                                                      Isa::kAvxVnni,
                                                      8,
                                                      kStagedNR,
                                                      GemmStaged8<Rows8Staging<VnniDot, Q5_0Rows>>};
extern const QGemmUkernel kQ5_1Q8_0Gemm8x64AvxVnni = {"q5_1_q8_0_gemm_8x64__avxvnni",
                                                      DType::kQ5_1,
                                                      ActQuant::kQ8_0,
                                                      Isa::kAvxVnni,
                                                      8,
                                                      kStagedNR,
                                                      GemmStaged8<Rows8Staging<VnniDot, Q5_1Rows>>};

// The 32-blocks from the 8-row panels repacked at load (rows8_panels.h).
extern const QGemmUkernel kQ8_0x8Q8_0Gemm8x4AvxVnni = {"q8_0x8_q8_0_gemm_8x4__avxvnni", DType::kQ8_0, ActQuant::kQ8_0,
    Isa::kAvxVnni, 8, kTileNR, kQ8_0Panel8Gemm8x4<VnniDot>, &kQ8_0Rows8Panels};
extern const QGemmUkernel kQ8_0x8Q8_0Gemm8x64AvxVnni = {
    "q8_0x8_q8_0_gemm_8x64__avxvnni",        DType::kQ8_0,     ActQuant::kQ8_0, Isa::kAvxVnni, 8, kStagedNR,
    GemmStaged8<Q8_0Panel8Staging<VnniDot>>, &kQ8_0Rows8Panels};
extern const QGemmUkernel kQ4_0x8Q8_0Gemm8x4AvxVnni = {"q4_0x8_q8_0_gemm_8x4__avxvnni", DType::kQ4_0, ActQuant::kQ8_0,
    Isa::kAvxVnni, 8, kTileNR, kPanel8Gemm8x4<VnniDot, Q4_0Rows>, &kQ4_0Rows8Panels};
extern const QGemmUkernel kQ4_0x8Q8_0Gemm8x64AvxVnni = {"q4_0x8_q8_0_gemm_8x64__avxvnni",
                                                        DType::kQ4_0,
                                                        ActQuant::kQ8_0,
                                                        Isa::kAvxVnni,
                                                        8,
                                                        kStagedNR,
                                                        GemmStaged8<Panel8Staging<VnniDot, Q4_0Rows>>,
                                                        &kQ4_0Rows8Panels};
extern const QGemmUkernel kQ5_0x8Q8_0Gemm8x4AvxVnni = {"q5_0x8_q8_0_gemm_8x4__avxvnni", DType::kQ5_0, ActQuant::kQ8_0,
    Isa::kAvxVnni, 8, kTileNR, kPanel8Gemm8x4<VnniDot, Q5_0Rows>, &kQ5_0Rows8Panels};
extern const QGemmUkernel kQ5_0x8Q8_0Gemm8x64AvxVnni = {"q5_0x8_q8_0_gemm_8x64__avxvnni",
                                                        DType::kQ5_0,
                                                        ActQuant::kQ8_0,
                                                        Isa::kAvxVnni,
                                                        8,
                                                        kStagedNR,
                                                        GemmStaged8<Panel8Staging<VnniDot, Q5_0Rows>>,
                                                        &kQ5_0Rows8Panels};

// The affine u8 panels with this dot product (x86_avx2_u8_panels.h).
void GemmU8PanelsAvxVnni(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1) {
  GemmU8Panels8<VnniDot>(w, x, n, y, r0, r1);
}

}  // namespace gemmakit
