// K-quant decode from 8-row panels with AVX-VNNI (VEX vpdpbusd on ymm): x86_kquant_rows8_tiles.h
// with VnniDot. The same floats as the AVX2 kernels, in fewer instructions per weight word.
#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/x86_byte_dots.h"
#include "kernels/matmul/x86_kquant_rows8_tiles.h"

#if !defined(__AVXVNNI__)
#error "compile with -mavxvnni (CMakeLists.txt: x86_avxvnni*.cc)"
#endif

namespace gemmakit {

extern const QGemmUkernel kQ4_Kx8Q8K32Gemm8x1AvxVnni = {"q4_kx8_q8_k32_gemm_8x1__avxvnni", DType::kQ4_K,
                                                        ActQuant::kQ8_K32, Isa::kAvxVnni, 8, 1,
                                                        GemmRows8<KernelQ4KRows8<VnniDot>>, &kQ4_KRows8Panels};
extern const QGemmUkernel kQ5_Kx8Q8K32Gemm8x1AvxVnni = {
    "q5_kx8_q8_k32_gemm_8x1__avxvnni",  DType::kQ5_K,     ActQuant::kQ8_K32, Isa::kAvxVnni, 8, 1,
    GemmRows8<KernelQ5KRows8<VnniDot>>, &kQ5_KRows8Panels};
extern const QGemmUkernel kQ6_Kx8Q8K32Gemm8x1AvxVnni = {"q6_kx8_q8_k32_gemm_8x1__avxvnni", DType::kQ6_K,
                                                        ActQuant::kQ8_K32, Isa::kAvxVnni, 8, 1,
                                                        GemmRows8<KernelQ6KRows8<VnniDot>>, &kQ6_KRows8Panels};

}  // namespace gemmakit
