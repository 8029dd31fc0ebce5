#include "kernels/cpu_features.h"
#include "kernels/matmul/dot_kernels.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
const DotKernels* Avx2DotKernelsImpl();
const DotKernels* Avx512DotKernelsImpl();
#elif defined(__aarch64__)
const DotKernels* NeonDotKernelsImpl();
const DotKernels* NeonDotprodDotKernelsImpl();
#endif

const DotKernels* Avx2DotKernels() {
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHas(Isa::kAvx2)) return Avx2DotKernelsImpl();
#endif
  return nullptr;
}

const DotKernels* Avx512DotKernels() {
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHas(Isa::kAvx512)) return Avx512DotKernelsImpl();
#endif
  return nullptr;
}

const DotKernels* NeonDotKernels() {
#if defined(__aarch64__)
  if (CpuHas(Isa::kNeon)) return CpuHasNeonDot() ? NeonDotprodDotKernelsImpl() : NeonDotKernelsImpl();
#endif
  return nullptr;
}

const DotKernels& BestDotKernels() {
  switch (BestIsa()) {
    case Isa::kNeon: return *NeonDotKernels();
    case Isa::kAvx512: return *Avx512DotKernels();
    case Isa::kAvx2:
    case Isa::kAvxVnni: return *Avx2DotKernels();
    case Isa::kScalar: break;
  }
  return ScalarDotKernels();
}

}  // namespace gemmakit
