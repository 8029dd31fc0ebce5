// Decode from the 8-row panels repacked at load (rows8_panels.h) on AVX-512 CPUs: the AVX2 tiles
// (x86_avx2_qgemm_tiles.h, x86_kquant_rows8_tiles.h) with VnniDot in its EVEX form on ymm (AVX-512
// VNNI + VL), for the CPUs that have AVX-512 but not AVX-VNNI (Ice Lake, Zen 4). On a Zen 4 these
// beat the 16-row zmm kernels on the blocks in place: those transpose 16 rows' bytes and gather
// their scales per block, which left Q5_0 decode compute-bound (one thread, 6912 x 1152: 16.8 GB/s
// in place against 29.8 for the AVX2 panel tile). The 8-row ymm panels stay: 16-row zmm panels
// would be a second load-time layout per type.
#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/x86_avx2_qgemm_tiles.h"
#include "kernels/matmul/x86_byte_dots.h"
#include "kernels/matmul/x86_kquant_rows8_tiles.h"

#if !defined(__AVX512VNNI__) || !defined(__AVX512VL__)
#error "compile with -mavx512vnni -mavx512vl (CMakeLists.txt: x86_avx512*.cc)"
#endif

namespace gemmakit {

extern const QGemmUkernel kQ5_0x8Q8_0Gemm8x4Avx512 = {"q5_0x8_q8_0_gemm_8x4__avx512vnni", DType::kQ5_0, ActQuant::kQ8_0,
                                                      Isa::kAvx512, 8, kTileNR, kPanel8Gemm8x4<VnniDot, Q5_0Rows>,
                                                      &kQ5_0Rows8Panels};
extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x1Avx512 = {"q4_kx8_q8_k32_gemm_8x1__avx512vnni", DType::kQ4_K,
                                                       ActQuant::kQ8_K32, Isa::kAvx512, 8, 1,
                                                       GemmRows8<KernelQ4KRows8<VnniDot>>, &kQ4_KRows8Panels};
extern const QGemmUkernel kQ5_Kx8Q8K32Gemm8x1Avx512 = {
    "q5_kx8_q8_k32_gemm_8x1__avx512vnni", DType::kQ5_K,     ActQuant::kQ8_K32, Isa::kAvx512, 8, 1,
    GemmRows8<KernelQ5KRows8<VnniDot>>,   &kQ5_KRows8Panels};
extern const QGemmUkernel kQ6_Kx8Q8K32Gemm8x1Avx512 = {"q6_kx8_q8_k32_gemm_8x1__avx512vnni", DType::kQ6_K,
                                                       ActQuant::kQ8_K32, Isa::kAvx512, 8, 1,
                                                       GemmRows8<KernelQ6KRows8<VnniDot>>, &kQ6_KRows8Panels};

}  // namespace gemmakit
