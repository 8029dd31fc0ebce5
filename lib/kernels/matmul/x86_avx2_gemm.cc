// AVX2 + FMA + F16C matmul kernels on float32 inputs that need no AVX-512 (compiled with those
// flags only; called only when the CPU has them; Q8_0 / Q4_0: x86_avx2_qgemm.cc):
//
// f32_gemm_16x6__avx2: float32 inputs against weights of any type converted to float32 (exact
// for F32 / F16 / BF16, dequantized for K-quants) a block of 256 columns of 64 rows at a time,
// packed into 8-row panels [k][lane]; a 16-row × 6-input tile of 12 accumulators, each output a
// sequential sum over k (the reference's order), carried across column blocks in a small buffer.
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

namespace gemmakit {
namespace {

constexpr size_t kHalf = 8;  // rows per register
constexpr size_t kBf16PrefetchAhead = 512;  // elements (1 KiB) ahead in each streamed BF16 row

// ---- float32 GEMM ----

constexpr size_t kF32Inputs = 6;
constexpr size_t kF32BlockCols = 256;  // a multiple of every block size (32, 256)
constexpr size_t kF32ChunkRows = 64;

// acc[16 rows][kF32Inputs] += w[2 panels][k][8] · x[input][k] over k in [0, kn).
void TileF32(const float* w, size_t kn, const float* const xt[kF32Inputs], float* acc) {
  __m256 c[2][kF32Inputs];
  for (size_t t = 0; t < kF32Inputs; ++t) {
    c[0][t] = _mm256_loadu_ps(acc + t * 16);
    c[1][t] = _mm256_loadu_ps(acc + t * 16 + 8);
  }
  const float* w1 = w + kn * kHalf;
  for (size_t k = 0; k < kn; ++k) {
    const __m256 w0v = _mm256_loadu_ps(w + k * kHalf), w1v = _mm256_loadu_ps(w1 + k * kHalf);
    for (size_t t = 0; t < kF32Inputs; ++t) {
      const __m256 xv = _mm256_broadcast_ss(xt[t] + k);
      c[0][t] = _mm256_fmadd_ps(w0v, xv, c[0][t]);
      c[1][t] = _mm256_fmadd_ps(w1v, xv, c[1][t]);
    }
  }
  for (size_t t = 0; t < kF32Inputs; ++t) {
    _mm256_storeu_ps(acc + t * 16, c[0][t]);
    _mm256_storeu_ps(acc + t * 16 + 8, c[1][t]);
  }
}

// Scratch floats without std::vector: a template member instantiated in this file and in an
// AVX-512 one may be linked from the AVX-512 copy, which an AVX2 CPU cannot run.
struct Floats {
  std::unique_ptr<float[]> p;
  size_t capacity = 0;
  float* data() { return p.get(); }
  // Room for n floats, zeroed when `zero`.
  void Resize(size_t n, bool zero) {
    if (n > capacity) {
      p.reset(new float[n]);
      capacity = n;
    }
    if (zero) std::memset(p.get(), 0, n * sizeof(float));
  }
};

struct F32Scratch {
  Floats panels, acc, row;
};

// Columns [k0, k0 + kn) of row r as float32 at dst; BF16 / F16 / F32 widened here with AVX2, the
// rest (block types) through ConvertToF32.
void RowSliceF32(const MatrixView& w, size_t r, size_t k0, size_t kn, float* dst) {
  const char* src = static_cast<const char*>(w.data) + r * DTypeBytes(w.dtype, w.cols);
  size_t k = 0;
  if (w.dtype == DType::kBF16) {
    const uint16_t* h = reinterpret_cast<const uint16_t*>(src) + k0;
    for (; k + 8 <= kn; k += 8) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + k));
      _mm256_storeu_ps(dst + k, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16)));
    }
  } else if (w.dtype == DType::kF16) {
    const uint16_t* h = reinterpret_cast<const uint16_t*>(src) + k0;
    for (; k + 8 <= kn; k += 8) {
      _mm256_storeu_ps(dst + k, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + k))));
    }
  }
  if (k < kn) ConvertToF32(w.dtype, src + DTypeBytes(w.dtype, k0 + k), dst + k, kn - k);
}

// dst[k][lane] = src[lane][k] for k, lane in [0, 8): rows ld floats apart.
inline void Transpose8x8(const float* src, size_t ld, float* dst) {
  __m256 r[8], t[8], s[8];
  for (size_t i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * ld);
  for (size_t i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);  // rows i, i+1: elements 0, 1 | 4, 5
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // 2, 3 | 6, 7
  }
  for (size_t i = 0; i < 8; i += 4) {
    s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);  // rows i..i+3: element 0 | 4
    s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);  // 1 | 5
    s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);  // 2 | 6
    s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);  // 3 | 7
  }
  for (size_t k = 0; k < 4; ++k) {
    _mm256_storeu_ps(dst + k * kHalf, _mm256_permute2f128_ps(s[k], s[k + 4], 0x20));
    _mm256_storeu_ps(dst + (k + 4) * kHalf, _mm256_permute2f128_ps(s[k], s[k + 4], 0x31));
  }
}

// Columns [k0, k0 + kn) of rows [r0, r0 + rows) as float32, in 8-row panels [k][lane] (zero rows
// pad the last panel pair). Eight rows at a time are widened into a staging block and transposed
// 8 × 8 in registers: the panels are written once, in order, with no zeroing pass.
void PackBlockF32(const MatrixView& w, size_t r0, size_t rows, size_t k0, size_t kn, F32Scratch& s) {
  const size_t pairs = (rows + 2 * kHalf - 1) / (2 * kHalf);
  s.panels.Resize(pairs * 2 * kHalf * kn, false);
  s.row.Resize(kHalf * (w.data ? kn : w.cols), false);
  const size_t ld = w.data ? kn : w.cols;
  for (size_t g = 0; g < 2 * pairs; ++g) {
    for (size_t j = 0; j < kHalf; ++j) {
      float* stage = s.row.data() + j * ld;
      const size_t r = g * kHalf + j;
      if (r >= rows) {
        std::memset(stage, 0, ld * sizeof(float));
      } else if (w.data) {
        RowSliceF32(w, r0 + r, k0, kn, stage);
      } else {
        w.RowToF32(r0 + r, stage);
      }
    }
    const float* src = s.row.data() + (w.data ? 0 : k0);
    float* dst = s.panels.data() + g * kn * kHalf;
    size_t k = 0;
    for (; k + 8 <= kn; k += 8) Transpose8x8(src + k, ld, dst + k * kHalf);
    for (; k < kn; ++k) {
      for (size_t j = 0; j < kHalf; ++j) dst[k * kHalf + j] = src[j * ld + k];
    }
  }
}

}  // namespace

void GemmF32Avx2(const MatrixView& w, const float* x, size_t n, float* y, size_t r0, size_t r1) {
  thread_local F32Scratch s;
  const size_t n_groups = (n + kF32Inputs - 1) / kF32Inputs;
  for (size_t c0 = r0; c0 < r1; c0 += kF32ChunkRows) {
    const size_t rows = std::min(kF32ChunkRows, r1 - c0), pairs = (rows + 2 * kHalf - 1) / (2 * kHalf);
    // acc[group][pair][input][16]
    s.acc.Resize(n_groups * pairs * kF32Inputs * 2 * kHalf, true);
    for (size_t k0 = 0; k0 < w.cols; k0 += kF32BlockCols) {
      const size_t kn = std::min(kF32BlockCols, w.cols - k0);
      PackBlockF32(w, c0, rows, k0, kn, s);
      for (size_t g = 0; g < n_groups; ++g) {
        const size_t i = g * kF32Inputs, inputs = std::min(kF32Inputs, n - i);
        const float* xt[kF32Inputs];
        for (size_t t = 0; t < kF32Inputs; ++t) xt[t] = x + (i + std::min(t, inputs - 1)) * w.cols + k0;
        for (size_t p = 0; p < pairs; ++p) {
          TileF32(s.panels.data() + p * 2 * kHalf * kn, kn, xt,
                  s.acc.data() + (g * pairs + p) * kF32Inputs * 2 * kHalf);
        }
      }
    }
    for (size_t i = 0; i < n; ++i) {
      const size_t g = i / kF32Inputs, t = i % kF32Inputs;
      for (size_t p = 0; p < pairs; ++p) {
        const size_t valid = std::min(2 * kHalf, rows - p * 2 * kHalf);
        std::memcpy(y + i * w.rows + c0 + p * 2 * kHalf,
                    s.acc.data() + ((g * pairs + p) * kF32Inputs + t) * 2 * kHalf, valid * sizeof(float));
      }
    }
  }
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
  thread_local Floats permuted;
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
