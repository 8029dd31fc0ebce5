// AVX2 + FMA + F16C matmul kernels on float32 inputs that need no AVX-512 (compiled with those
// flags only; called only when the CPU has them; Q8_0 / Q4_0: x86_avx2_qgemm.cc):
//
// f32_gemm_16x6__avx2: the cache-blocked float32 GEMM of x86_f32_gemm.h on ymm registers: 8-row
// panels, a 16-row × 6-input tile of 12 accumulators.
//
// bf16_f32_gemv_1x3__avx2: decode with BF16 weights, one row at a time against up to 3 inputs.
// Every kernel here sums in float32 with FMAs; only the order of the sums differs from the
// scalar reference.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/x86_avx2_inline.h"
#include "kernels/matmul/x86_f32_gemm.h"

namespace gemmakit {
namespace {

constexpr size_t kBf16PrefetchAhead = 512;  // elements (1 KiB) ahead in each streamed BF16 row

// The float32 GEMM (x86_f32_gemm.h) on ymm: 8-row panels, a 16-row × 6-input tile of 12 accumulators.
struct Ymm {
  using Reg = __m256;
  static constexpr size_t kLanes = 8, kInputs = kF32GemmInputsAvx2;
  static constexpr size_t kFloatBlockCols = 256;  // 128 measured level (Xeon, one thread, BF16)
  static Reg Zero() { return _mm256_setzero_ps(); }
  static Reg Load(const float* p) { return _mm256_loadu_ps(p); }
  static void Store(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Reg Broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static Reg Fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
};

}  // namespace

void GemmF32Avx2(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1) {
  GemmF32<Ymm>(w, x, n, y, r0, r1);
}

// Decode with BF16 weights: 16 weights per load widened by two unpacks (bf16 is the top half of a float32),
// which interleaves them as [0-3, 8-11] and [4-7, 12-15]; the inputs are put in that order once per call.
// kRows consecutive rows against kInputs inputs; one row at a time keeps consecutive rows one address stream.
// Four rows read side by side were four short streams (a 1B row is 36 cache lines), which the hardware
// prefetcher never caught up with: 14 GB/s against 35 one row at a time, 2 Zen 5 threads over Gemma 3 1B's
// output projection. Two rows pay off for rows too long for the input to stay in L1 beside the streamed
// weights (a 6912-column row's input is 27 KB as float32): each load of the input then serves both.
template <size_t kRows, size_t kInputs>
void GemvBF16TileAvx2(const uint16_t* w, size_t cols, const float* x, const float* permuted, size_t cols16, float* y,
                      size_t y_stride) {
  // Four FMA chains per row and input, whatever the tile: each row's products are then added in the same
  // order for any number of rows and inputs, so a token's results do not depend on how many tokens shared its
  // pass (two chains per input with more than one broke that: a session truncated and re-evaluated no longer
  // reproduced its logits to the bit).
  constexpr size_t kChains = 4;
  const __m256i zero = _mm256_setzero_si256();
  __m256 a[kRows][kInputs][kChains];
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t i = 0; i < kInputs; ++i) {
      for (size_t c = 0; c < kChains; ++c) a[r][i][c] = _mm256_setzero_ps();
    }
  }
  auto step16 = [&](size_t k, size_t chain) {
    __m256 xlo[kInputs], xhi[kInputs];
    for (size_t i = 0; i < kInputs; ++i) {
      xlo[i] = _mm256_loadu_ps(permuted + i * cols16 + k);
      xhi[i] = _mm256_loadu_ps(permuted + i * cols16 + k + 8);
    }
    for (size_t r = 0; r < kRows; ++r) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + r * cols + k));
      const __m256 lo = _mm256_castsi256_ps(_mm256_unpacklo_epi16(zero, v));
      const __m256 hi = _mm256_castsi256_ps(_mm256_unpackhi_epi16(zero, v));
      for (size_t i = 0; i < kInputs; ++i) {
        a[r][i][chain % kChains] = _mm256_fmadd_ps(lo, xlo[i], a[r][i][chain % kChains]);
        a[r][i][(chain + 1) % kChains] = _mm256_fmadd_ps(hi, xhi[i], a[r][i][(chain + 1) % kChains]);
      }
    }
  };
  size_t k = 0;
  for (; k + 32 <= cols16; k += 32) {
    for (size_t r = 0; r < kRows; ++r) {
      _mm_prefetch(reinterpret_cast<const char*>(w + r * cols + k + kBf16PrefetchAhead), _MM_HINT_T0);
    }
    step16(k, 0);
    step16(k + 16, 2);
  }
  if (k < cols16) step16(k, 0);
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t i = 0; i < kInputs; ++i) {
      __m256 sum = a[r][i][0];
      for (size_t c = 1; c < kChains; ++c) sum = _mm256_add_ps(sum, a[r][i][c]);
      float total = HorizontalSum(sum);
      for (size_t j = cols16; j < cols; ++j) total += BF16ToF32(w[r * cols + j]) * x[i * cols + j];
      y[i * y_stride + r] = total;
    }
  }
}

// Longer rows than this take two rows at a time: their float32 input (16 KB here) would fill half of a 32 KB
// L1, re-read from L2 for every row (one Zen 4, 2 threads, 1152 x 6912: 16-21 -> 23-24 GB/s).
constexpr size_t kBf16TwoRowCols = 4096;

void GemvBF16Avx2(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1) {
  const size_t cols = w.cols, cols16 = cols / 16 * 16;
  const uint16_t* base = static_cast<const uint16_t*>(w.data);
  thread_local F32Buffer permuted;
  permuted.Resize(n * cols16 + 1, false);
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < cols16; k += 16) {
      float* dst = permuted.data() + i * cols16 + k;
      const float* src = x + i * cols + k;
      for (size_t j = 0; j < 4; ++j) {
        dst[j] = src[j], dst[4 + j] = src[8 + j], dst[8 + j] = src[4 + j], dst[12 + j] = src[12 + j];
      }
    }
  }
  if (n == 1 && cols > kBf16TwoRowCols) {
    size_t r = r0;
    for (; r + 2 <= r1; r += 2) {
      GemvBF16TileAvx2<2, 1>(base + r * cols, cols, x, permuted.data(), cols16, y + r, w.rows);
    }
    if (r < r1) GemvBF16TileAvx2<1, 1>(base + r * cols, cols, x, permuted.data(), cols16, y + r, w.rows);
    return;
  }
  for (size_t i = 0; i < n; i += 3) {
    const size_t inputs = std::min<size_t>(3, n - i);
    const float* xi = x + i * cols;
    const float* pi = permuted.data() + i * cols16;
    for (size_t r = r0; r < r1; ++r) {
      const uint16_t* wr = base + r * cols;
      float* yr = y + i * w.rows + r;
      if (inputs == 1)
        GemvBF16TileAvx2<1, 1>(wr, cols, xi, pi, cols16, yr, w.rows);
      else if (inputs == 2)
        GemvBF16TileAvx2<1, 2>(wr, cols, xi, pi, cols16, yr, w.rows);
      else
        GemvBF16TileAvx2<1, 3>(wr, cols, xi, pi, cols16, yr, w.rows);
    }
  }
}

}  // namespace gemmakit
