// The float32 GEMM's inputs in the order its tile reads them (gemm_panels.h): with one row per input
// a tile of 12 inputs kept 12 pointers live, more than the registers left beside 24 accumulators,
// and reloaded two of them every k step (10-20% of the zmm GEMM's time on a Xeon).
//
// Every projection pays this once per call, and k / v of a 1B model are GEMMs of only 256 rows: the
// element-at-a-time copy cost 5% of a BF16 prompt's GEMM time, so x86 moves 4 × 4 blocks through SSE
// registers (the x86-64 baseline: no dispatch needed).
#include <algorithm>

#include "kernels/matmul/gemm_panels.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <emmintrin.h>
#include <xmmintrin.h>
#define GEMMAKIT_INTERLEAVE_SSE 1
#endif

namespace gemmakit {
namespace {

// Inputs [t, t + count) of a group, columns [k, cols), one element at a time.
void InterleaveScalar(const float* const* src, size_t t0, size_t count, size_t k0, size_t cols, size_t group,
                      float* dst) {
  for (size_t t = t0; t < t0 + count; ++t) {
    for (size_t k = k0; k < cols; ++k) dst[k * group + t] = src[t][k];
  }
}

}  // namespace

size_t InterleavedF32InputFloats(size_t n, size_t cols, size_t group) { return (n + group - 1) / group * group * cols; }

void InterleaveF32Inputs(const float* x, size_t n, size_t cols, size_t group, float* out, size_t g0, size_t g1) {
  constexpr size_t kMaxGroup = 32;
  const float* src[kMaxGroup];
  for (size_t g = g0; g < g1; ++g) {
    float* dst = out + g * group * cols;
    // A padding slot repeats the group's last input: its sums are computed and dropped.
    for (size_t t = 0; t < group; ++t) src[t] = x + std::min(g * group + t, n - 1) * cols;
    size_t t = 0;
#ifdef GEMMAKIT_INTERLEAVE_SSE
    const size_t k4 = cols / 4 * 4;
    for (; t + 4 <= group; t += 4) {
      for (size_t k = 0; k < k4; k += 4) {
        __m128 r0 = _mm_loadu_ps(src[t] + k), r1 = _mm_loadu_ps(src[t + 1] + k);
        __m128 r2 = _mm_loadu_ps(src[t + 2] + k), r3 = _mm_loadu_ps(src[t + 3] + k);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        _mm_storeu_ps(dst + k * group + t, r0);
        _mm_storeu_ps(dst + (k + 1) * group + t, r1);
        _mm_storeu_ps(dst + (k + 2) * group + t, r2);
        _mm_storeu_ps(dst + (k + 3) * group + t, r3);
      }
      InterleaveScalar(src, t, 4, k4, cols, group, dst);
    }
    for (; t + 2 <= group; t += 2) {
      for (size_t k = 0; k < k4; k += 4) {
        const __m128 a = _mm_loadu_ps(src[t] + k), b = _mm_loadu_ps(src[t + 1] + k);
        const __m128 lo = _mm_unpacklo_ps(a, b), hi = _mm_unpackhi_ps(a, b);  // a0 b0 a1 b1 | a2 b2 a3 b3
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + k * group + t), lo);
        _mm_storeh_pi(reinterpret_cast<__m64*>(dst + (k + 1) * group + t), lo);
        _mm_storel_pi(reinterpret_cast<__m64*>(dst + (k + 2) * group + t), hi);
        _mm_storeh_pi(reinterpret_cast<__m64*>(dst + (k + 3) * group + t), hi);
      }
      InterleaveScalar(src, t, 2, k4, cols, group, dst);
    }
#endif
    InterleaveScalar(src, t, group - t, 0, cols, group, dst);
  }
}

}  // namespace gemmakit
