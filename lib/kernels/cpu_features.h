// What the CPU can run, read once (cpuinfo; CPUID for AVX-VNNI). GEMMAKIT_ISA in the environment
// caps it, for testing and for comparing kernels on one machine: on x86-64, in increasing order,
// scalar | avx2 (the AVX2 tier without AVX-VNNI: a CPU before Alder Lake / Zen 5) | avxvnni (the
// AVX2 tier with its AVX-VNNI kernels where the CPU has AVX-VNNI) | avx512 (no cap, as when unset
// or anything else); on ARM64, scalar.
#pragma once

namespace gemmakit {

// The tiers (what BestIsa returns): kAvx2 means AVX2 + FMA + F16C; kAvx512 means AVX-512
// F/BW/DQ/VL + VNNI as well. kAvxVnni is no tier: the AVX2 tier plus AVX-VNNI (VEX vpdpbusd on
// ymm), which kernels that need it declare (QGemmUkernel::isa) and the matmul table keys the AVX2
// tier's variants by when CpuHasAvxVnni().
enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3, kAvxVnni = 4 };

// The best tier the CPU has and the cap allows (never kAvxVnni).
Isa BestIsa();
// Whether the CPU itself has it, ignoring the cap (tests run every variant the CPU has).
bool CpuHas(Isa isa);
// AVX-VNNI on the AVX2 tier, within the GEMMAKIT_ISA cap (unset, avxvnni or avx512): the tier's
// integer kernels then run their AVX-VNNI variants. False on the AVX-512 tier (AVX-512 VNNI
// kernels of its own) and under GEMMAKIT_ISA=avx2.
bool CpuHasAvxVnni();
// AVX512_BF16 (vdpbf16ps), within the GEMMAKIT_ISA cap.
bool CpuHasAvx512Bf16();
// ARMv8.2 dot product (sdot), within the GEMMAKIT_ISA cap; kNeon itself is every ARM64 CPU.
bool CpuHasNeonDot();
// Intel's x86 cores: a few kernels pick between variants that measured differently on Intel and AMD
// cores (three load ports and the shuffles on one pipe, against AMD's), not by ISA.
bool CpuIsIntel();

}  // namespace gemmakit
