// K-quant decode from 8-row panels on AVX-512 CPUs: x86_kquant_rows8_tiles.h with VnniDot in its
// EVEX form on ymm (AVX-512 VNNI + VL), for the CPUs that have AVX-512 but not AVX-VNNI (Ice
// Lake, Zen 4). The 8-row ymm panels stay: the 16-row zmm panels of the 32-blocks would need a
// second load-time layout for the K-quants.
#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/x86_byte_dots.h"
#include "kernels/matmul/x86_kquant_rows8_tiles.h"

#if !defined(__AVX512VNNI__) || !defined(__AVX512VL__)
#error "compile with -mavx512vnni -mavx512vl (CMakeLists.txt: x86_avx512*.cc)"
#endif

namespace gemmakit {

extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x1Avx512 = {"q4_kx8_q8_k32_gemm_8x1__avx512vnni", DType::kQ4_K,
                                                       ActQuant::kQ8_K32, Isa::kAvx512, 8, 1,
                                                       GemmRows8<KernelQ4KRows8<VnniDot>>, &kQ4_KRows8Panels};
extern const QGemmUkernel kQ6_Kx8Q8K32Gemm8x1Avx512 = {"q6_kx8_q8_k32_gemm_8x1__avx512vnni", DType::kQ6_K,
                                                       ActQuant::kQ8_K32, Isa::kAvx512, 8, 1,
                                                       GemmRows8<KernelQ6KRows8<VnniDot>>, &kQ6_KRows8Panels};

}  // namespace gemmakit
