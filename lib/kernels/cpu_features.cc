#include "kernels/cpu_features.h"

#include <cpuinfo.h>

#include <cstdlib>
#include <cstring>
#include <initializer_list>

#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__)
#include <cpuid.h>
#endif

namespace gemmakit {
namespace {

// GEMMAKIT_ISA: the highest tier allowed, and whether the AVX2 tier may use AVX-VNNI.
struct IsaCap {
  Isa tier;
  bool avx_vnni;
};

const IsaCap& Cap() {
  static const IsaCap cap = []() -> IsaCap {
    const char* v = std::getenv("GEMMAKIT_ISA");
    if (v && !std::strcmp(v, "scalar")) return {Isa::kScalar, false};
    if (v && !std::strcmp(v, "avx2")) return {Isa::kAvx2, false};
    if (v && !std::strcmp(v, "avxvnni")) return {Isa::kAvx2, true};
    return {Isa::kAvx512, true};
  }();
  return cap;
}

#if defined(__x86_64__) || defined(_M_X64)
// AVX-VNNI (CPUID leaf 7 subleaf 1, EAX bit 4) with the ymm state saved by the OS (OSXSAVE, and
// XCR0's SSE and AVX bits). The cpuinfo this builds against may predate AVX-VNNI, so CPUID itself.
bool CpuidAvxVnni() {
#if defined(__GNUC__)
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) || !(eax & (1u << 4))) return false;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return false;
  unsigned xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  return (xcr0_lo & 0x6) == 0x6;
#else
  return false;
#endif
}
#endif

}  // namespace

bool CpuIsIntel() {
#if defined(__x86_64__) || defined(_M_X64)
  static const bool intel =
      cpuinfo_initialize() && cpuinfo_get_cores_count() > 0 && cpuinfo_get_core(0)->vendor == cpuinfo_vendor_intel;
  return intel;
#else
  return false;
#endif
}

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
    case Isa::kAvxVnni: {
      static const bool vnni = CpuidAvxVnni();
      return avx2 && vnni;
    }
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

bool CpuHasAvxVnni() {
  static const bool has = BestIsa() == Isa::kAvx2 && Cap().avx_vnni && CpuHas(Isa::kAvxVnni);
  return has;
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
    const Isa limit = Cap().tier;
    if (limit != Isa::kScalar && CpuHas(Isa::kNeon)) return Isa::kNeon;
    for (Isa isa : {Isa::kAvx512, Isa::kAvx2}) {
      if (static_cast<int>(isa) <= static_cast<int>(limit) && CpuHas(isa)) return isa;
    }
    return Isa::kScalar;
  }();
  return best;
}

}  // namespace gemmakit
