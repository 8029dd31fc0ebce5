#include <cpuinfo.h>

#include <cstdlib>
#include <cstring>

#include "kernels/matmul/dot_kernels.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
const DotKernels* Avx2DotKernelsImpl();
const DotKernels* Avx512DotKernelsImpl();
#endif

namespace {
bool CpuInfoReady() {
  static const bool ok = cpuinfo_initialize();
  return ok;
}
}  // namespace

const DotKernels* Avx2DotKernels() {
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuInfoReady() && cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3() && cpuinfo_has_x86_f16c()) {
    return Avx2DotKernelsImpl();
  }
#endif
  return nullptr;
}

const DotKernels* Avx512DotKernels() {
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuInfoReady() && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() && cpuinfo_has_x86_avx512vl() &&
      cpuinfo_has_x86_avx512dq() && cpuinfo_has_x86_avx512vnni() && cpuinfo_has_x86_f16c() && cpuinfo_has_x86_fma3()) {
    return Avx512DotKernelsImpl();
  }
#endif
  return nullptr;
}

const DotKernels& BestDotKernels() {
  static const DotKernels* best = [] {
    const char* cap = std::getenv("GEMMAKIT_ISA");
    const bool allow512 = !cap || !std::strcmp(cap, "avx512");
    const bool allow2 = allow512 || !std::strcmp(cap, "avx2");
    if (allow512 && Avx512DotKernels()) return Avx512DotKernels();
    if (allow2 && Avx2DotKernels()) return Avx2DotKernels();
    return &ScalarDotKernels();
  }();
  return *best;
}

}  // namespace gemmakit
