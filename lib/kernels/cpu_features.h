// What the CPU can run, read once (cpuinfo). GEMMAKIT_ISA=scalar|avx2|avx512 (x86-64) or
// scalar|neon (ARM64) in the environment caps it, for testing and for comparing kernels on one
// machine.
#pragma once

namespace gemmakit {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kNeon = 3 };

// The best instruction set the CPU has and the cap allows. kAvx2 means AVX2 + FMA + F16C;
// kAvx512 means AVX-512 F/BW/DQ/VL + VNNI as well.
Isa BestIsa();
// Whether the CPU itself has it, ignoring the cap (tests run every variant the CPU has).
bool CpuHas(Isa isa);
// AVX512_BF16 (vdpbf16ps), within the GEMMAKIT_ISA cap.
bool CpuHasAvx512Bf16();
// ARMv8.2 dot product (sdot), within the GEMMAKIT_ISA cap; kNeon itself is every ARM64 CPU.
bool CpuHasNeonDot();

}  // namespace gemmakit
