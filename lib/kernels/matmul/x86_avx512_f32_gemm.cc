// f32_gemm_32x12__avx512: the cache-blocked float32 GEMM of x86_f32_gemm.h on zmm registers (AVX-512F;
// compiled with the AVX-512 flags, called only when the CPU has them): 16-row panels, a 32-row ×
// 12-input tile of 24 accumulators out of 32 registers. Where a core has two 512-bit FMA units (Intel's
// server cores) it doubles the AVX2 kernel's products per cycle; on Zen 4, whose AVX-512 runs on 256-bit
// units, it matches it. Its sums are the AVX2 kernel's, in the same order: the same bits.
//
// Tile, on a Xeon (family 6 model 207) VM, one thread, BF16 6912 × 1152, n = 256, GFLOP/s: 4 inputs
// 74-78, 6: 108-110, 8: 83-100, 10: 119-125, 12: 114-126, 14: 120-124 (AVX2 kernel: 67-77; zmm FMA
// peak 172).
#include <immintrin.h>

#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/x86_f32_gemm.h"

namespace gemmakit {
namespace {

struct Zmm {
  using Reg = __m512;
  static constexpr size_t kLanes = 16, kInputs = kF32GemmInputsAvx512;
  // A tile's panel pair (32 rows) and inputs in L1 with room to spare: 128 columns took a Xeon's
  // BF16 GEMM from 140-147 to 148-150 GFLOP/s on one thread (256 inputs; 64, 192 and 256: 145-147).
  static constexpr size_t kFloatBlockCols = 128;
  static Reg Zero() { return _mm512_setzero_ps(); }
  static Reg Load(const float* p) { return _mm512_loadu_ps(p); }
  static void Store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg Broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static Reg Fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
};

}  // namespace

void GemmF32Avx512(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1) {
  GemmF32<Zmm>(w, x, n, y, r0, r1);
}

}  // namespace gemmakit
