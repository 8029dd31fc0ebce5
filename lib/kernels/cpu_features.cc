#include "kernels/cpu_features.h"

#include <cpuinfo.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>

namespace gemmakit {

bool CpuHas(Isa isa) {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool ok = cpuinfo_initialize();
  if (!ok) return isa == Isa::kScalar;
  const bool avx2 = cpuinfo_has_x86_avx2() && cpuinfo_has_x86_fma3() && cpuinfo_has_x86_f16c();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return avx2;
    case Isa::kAvx512:
      return avx2 && cpuinfo_has_x86_avx512f() && cpuinfo_has_x86_avx512bw() && cpuinfo_has_x86_avx512vl() &&
             cpuinfo_has_x86_avx512dq() && cpuinfo_has_x86_avx512vnni();
    case Isa::kNeon: return false;
  }
  return false;
#elif defined(__aarch64__)
  return isa == Isa::kScalar || isa == Isa::kNeon;  // Advanced SIMD is part of ARMv8-A
#else
  return isa == Isa::kScalar;
#endif
}

bool CpuHasNeonDot() {
#if defined(__aarch64__)
  static const bool has = BestIsa() == Isa::kNeon && cpuinfo_initialize() && cpuinfo_has_arm_neon_dot();
  return has;
#else
  return false;
#endif
}

bool CpuHasAvx512Bf16() {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool has = BestIsa() == Isa::kAvx512 && cpuinfo_has_x86_avx512bf16();
  return has;
#else
  return false;
#endif
}

Isa BestIsa() {
  static const Isa best = [] {
    const char* cap = std::getenv("GEMMAKIT_ISA");
    const bool scalar_only = cap && !std::strcmp(cap, "scalar");
    if (!scalar_only && CpuHas(Isa::kNeon)) return Isa::kNeon;
    Isa limit = Isa::kAvx512;
    if (cap && !std::strcmp(cap, "avx2")) limit = Isa::kAvx2;
    if (scalar_only) limit = Isa::kScalar;
    for (Isa isa : {Isa::kAvx512, Isa::kAvx2}) {
      if (static_cast<int>(isa) <= static_cast<int>(limit) && CpuHas(isa)) return isa;
    }
    return Isa::kScalar;
  }();
  return best;
}

}  // namespace gemmakit
