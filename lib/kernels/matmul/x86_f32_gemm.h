// The cache-blocked float32 GEMM, one body for every x86 vector width: float32 inputs against weights
// of any type converted to float32 (exact for F32 / F16 / BF16, dequantized for K-quants), a block of
// 256 columns of 64 rows at a time, packed into panels of one register's rows [k][lane]; a tile of two
// panels × kInputs inputs, each output a sequential sum over k (the reference's order), carried across
// column blocks in a small buffer. The order of the sums is the same at every width, so every
// instantiation gives the same bits.
//
// Include only from files compiled with AVX2 (or wider) flags: each ISA's file instantiates its own
// copy (f32_gemm_16x6__avx2 in x86_avx2_gemm.cc, f32_gemm_32x12__avx512 in x86_avx512_f32_gemm.cc).
// Everything here has internal linkage, so no copy built with AVX-512 flags can be linked into the
// AVX2 one.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "kernels/dtype.h"
#include "kernels/matmul.h"

namespace gemmakit {
namespace {  // NOLINT(google-build-namespaces): one copy per ISA file, see above

constexpr size_t kF32BlockCols = 256;  // a multiple of every block size (32, 256)
constexpr size_t kF32ChunkRows = 64;

// Scratch floats without std::vector: a template member instantiated in an AVX2 file and in an AVX-512
// one may be linked from the AVX-512 copy, which an AVX2 CPU cannot run.
struct F32Buffer {
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

struct F32GemmScratch {
  F32Buffer panels, acc, row;
};

// dst[k * dst_stride + lane] = r[lane][k] for k, lane in [0, 8).
inline void StoreTransposed8x8(const __m256 r[8], float* dst, size_t dst_stride) {
  __m256 t[8], s[8];
  for (size_t i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);      // rows i, i+1: elements 0, 1 | 4, 5
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);  // 2, 3 | 6, 7
  }
  for (size_t i = 0; i < 8; i += 4) {
    s[i] = _mm256_shuffle_ps(t[i], t[i + 2], 0x44);          // rows i..i+3: element 0 | 4
    s[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], 0xEE);      // 1 | 5
    s[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0x44);  // 2 | 6
    s[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], 0xEE);  // 3 | 7
  }
  for (size_t k = 0; k < 4; ++k) {
    _mm256_storeu_ps(dst + k * dst_stride, _mm256_permute2f128_ps(s[k], s[k + 4], 0x20));
    _mm256_storeu_ps(dst + (k + 4) * dst_stride, _mm256_permute2f128_ps(s[k], s[k + 4], 0x31));
  }
}

// Eight float32 values of a row stored as BF16, F16 or F32.
inline __m256 Load8F32(DType type, const void* row, size_t k) {
  if (type == DType::kF32) return _mm256_loadu_ps(static_cast<const float*>(row) + k);
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(row) + k));
  if (type == DType::kF16) return _mm256_cvtph_ps(h);
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

// Columns [k0, k0 + kn) of rows [r0, r0 + rows) as float32, in kLanes-row panels [k][lane] (zero rows
// pad the last panel pair), written once, in order, with no zeroing pass. Eight rows at a time are
// transposed 8 × 8 in registers: float types straight from the weights (the widening pass through a
// staging block cost 6% of a BF16 GEMM's time at 256 inputs), block types widened into a staging block
// first.
template <size_t kLanes>
void PackBlockF32(const MatrixView& w, size_t r0, size_t rows, size_t k0, size_t kn, F32GemmScratch& s) {
  static_assert(kLanes % 8 == 0, "panels are whole 8-row transposes");
  const size_t pairs = (rows + 2 * kLanes - 1) / (2 * kLanes);
  s.panels.Resize(pairs * 2 * kLanes * kn, false);
  const bool direct = w.data && (w.dtype == DType::kBF16 || w.dtype == DType::kF16 || w.dtype == DType::kF32);
  const size_t ld = w.data ? kn : w.cols;
  if (!direct) s.row.Resize(8 * ld, false);
  const size_t row_bytes = w.data ? DTypeBytes(w.dtype, w.cols) : 0;
  for (size_t g = 0; g < 2 * pairs * kLanes / 8; ++g) {
    float* dst = s.panels.data() + (g * 8 / kLanes) * kn * kLanes + g * 8 % kLanes;
    const size_t valid = rows > g * 8 ? std::min<size_t>(8, rows - g * 8) : 0;
    if (direct) {
      const char* src[8];
      for (size_t j = 0; j < valid; ++j) src[j] = static_cast<const char*>(w.data) + (r0 + g * 8 + j) * row_bytes;
      __m256 r[8];
      size_t k = 0;
      for (; k + 8 <= kn; k += 8) {
        for (size_t j = 0; j < 8; ++j) r[j] = j < valid ? Load8F32(w.dtype, src[j], k0 + k) : _mm256_setzero_ps();
        StoreTransposed8x8(r, dst + k * kLanes, kLanes);
      }
      for (; k < kn; ++k) {
        for (size_t j = 0; j < 8; ++j) {
          float v = 0.f;
          if (j < valid) ConvertToF32(w.dtype, src[j] + DTypeBytes(w.dtype, k0 + k), &v, 1);
          dst[k * kLanes + j] = v;
        }
      }
      continue;
    }
    for (size_t j = 0; j < 8; ++j) {
      float* stage = s.row.data() + j * ld;
      if (j >= valid) {
        std::memset(stage, 0, ld * sizeof(float));
      } else if (w.data) {
        ConvertToF32(w.dtype, static_cast<const char*>(w.data) + (r0 + g * 8 + j) * row_bytes + DTypeBytes(w.dtype, k0),
                     stage, kn);
      } else {
        w.RowToF32(r0 + g * 8 + j, stage);
      }
    }
    const float* src = s.row.data() + (w.data ? 0 : k0);
    __m256 r[8];
    size_t k = 0;
    for (; k + 8 <= kn; k += 8) {
      for (size_t j = 0; j < 8; ++j) r[j] = _mm256_loadu_ps(src + j * ld + k);
      StoreTransposed8x8(r, dst + k * kLanes, kLanes);
    }
    for (; k < kn; ++k) {
      for (size_t j = 0; j < 8; ++j) dst[k * kLanes + j] = src[j * ld + k];
    }
  }
}

// acc[input][2 panels × kLanes] (+)= w[2 panels][k][kLanes] · x[k][input] over k in [0, kn), from zeros
// when `first`. x: the group's interleaved inputs, so the broadcasts take one pointer at constant
// offsets.
template <class V>
void TileF32(const float* w, size_t kn, const float* x, float* acc, bool first) {
  constexpr size_t kLanes = V::kLanes, kInputs = V::kInputs;
  // Every loop over the inputs unrolled by hand: left to GCC, the ymm tile kept its 12 accumulators
  // in memory as well, storing them every k step (41 GFLOP/s instead of 70).
  typename V::Reg c[2][kInputs];
  if (first) {
#pragma GCC unroll 16
    for (size_t t = 0; t < kInputs; ++t) c[0][t] = c[1][t] = V::Zero();
  } else {
#pragma GCC unroll 16
    for (size_t t = 0; t < kInputs; ++t) {
      c[0][t] = V::Load(acc + t * 2 * kLanes);
      c[1][t] = V::Load(acc + t * 2 * kLanes + kLanes);
    }
  }
  const float* w1 = w + kn * kLanes;
  for (size_t k = 0; k < kn; ++k) {
    const typename V::Reg w0v = V::Load(w + k * kLanes), w1v = V::Load(w1 + k * kLanes);
#pragma GCC unroll 16
    for (size_t t = 0; t < kInputs; ++t) {
      const typename V::Reg xv = V::Broadcast(x + k * kInputs + t);
      c[0][t] = V::Fmadd(w0v, xv, c[0][t]);
      c[1][t] = V::Fmadd(w1v, xv, c[1][t]);
    }
  }
#pragma GCC unroll 16
  for (size_t t = 0; t < kInputs; ++t) {
    V::Store(acc + t * 2 * kLanes, c[0][t]);
    V::Store(acc + t * 2 * kLanes + kLanes, c[1][t]);
  }
}

// The cache lines of `count` byte ranges [base + i · stride, + bytes), requested a few at a time
// between tiles. The tiles are compute-bound, so the memory traffic around them can overlap them: the
// weights of the next block (packing stalled on their first read from memory: 7% of a BF16 prompt) and
// y's rows of the current chunk (its copy-out stalled on their first write: 4%).
class LinePrefetch {
 public:
  LinePrefetch() = default;
  LinePrefetch(const char* base, size_t count, size_t stride, size_t bytes)
      : first_(reinterpret_cast<uintptr_t>(base) & ~uintptr_t{63}), count_(count), stride_(stride) {
    if (count == 0 || bytes == 0) return;
    lines_per_range_ = (reinterpret_cast<uintptr_t>(base) + bytes - 1 - first_) / 64 + 1;
  }
  size_t lines() const { return count_ * lines_per_range_; }
  // Requests the next m lines (fewer at the end).
  void Issue(size_t m) {
    for (; m > 0 && range_ < count_; --m) {
      _mm_prefetch(reinterpret_cast<const char*>(first_ + range_ * stride_ + line_ * 64), _MM_HINT_T0);
      if (++line_ == lines_per_range_) line_ = 0, ++range_;
    }
  }

 private:
  uintptr_t first_ = 0;  // range 0's first line
  size_t count_ = 0, stride_ = 0, lines_per_range_ = 0, range_ = 0, line_ = 0;
};

// Rows [r0, r1) of y = x · Wᵀ for n inputs given interleaved in groups of V::kInputs
// (InterleaveF32Inputs), V: the vector traits (Reg, kLanes, kInputs, kFloatBlockCols, Zero, Load,
// Store, Broadcast, Fmadd). Sums carried across column blocks in acc, copied into y's rows at the end of a chunk (the
// last block's tiles storing straight into y measured no faster: y's strided rows miss the cache).
template <class V>
void GemmF32(const MatrixView& w, const float* xi, size_t n, float* y, size_t r0, size_t r1) {
  constexpr size_t kLanes = V::kLanes, kInputs = V::kInputs, kTileRows = 2 * kLanes;
  // Its address taken once: in the shared library every use of a thread_local calls __tls_get_addr,
  // which the copy loop below did per tile (with w.rows reloaded after every store).
  thread_local F32GemmScratch scratch;
  F32GemmScratch& s = scratch;
  const size_t n_groups = (n + kInputs - 1) / kInputs, ld = w.rows, cols = w.cols;
  const size_t row_bytes = DTypeBytes(w.dtype, cols);
  // Float weights (converted straight from the rows) in V::kFloatBlockCols columns at a time, block
  // types in whole 256-value super-blocks.
  const bool float_type = w.dtype == DType::kBF16 || w.dtype == DType::kF16 || w.dtype == DType::kF32;
  const size_t block_cols = float_type ? V::kFloatBlockCols : kF32BlockCols;
  for (size_t c0 = r0; c0 < r1; c0 += kF32ChunkRows) {
    const size_t rows = std::min(kF32ChunkRows, r1 - c0), pairs = (rows + kTileRows - 1) / kTileRows;
    // acc[group][pair][input][kTileRows]
    s.acc.Resize(n_groups * pairs * kInputs * kTileRows, false);
    float* const acc = s.acc.data();
    const size_t blocks = (cols + block_cols - 1) / block_cols, tiles = n_groups * pairs;
    LinePrefetch y_lines(reinterpret_cast<const char*>(y + c0), n, ld * sizeof(float), rows * sizeof(float));
    const size_t y_per_tile = (y_lines.lines() + blocks * tiles - 1) / (blocks * tiles);
    for (size_t k0 = 0; k0 < cols; k0 += block_cols) {
      const size_t kn = std::min(block_cols, cols - k0);
      PackBlockF32<kLanes>(w, c0, rows, k0, kn, s);
      LinePrefetch w_lines;  // the next block's weights: this chunk's next columns, or the next chunk's first
      const size_t next_c0 = k0 + kn < cols ? c0 : c0 + rows, next_k0 = k0 + kn < cols ? k0 + kn : 0;
      if (w.data && next_c0 < r1) {
        w_lines = LinePrefetch(static_cast<const char*>(w.data) + next_c0 * row_bytes + DTypeBytes(w.dtype, next_k0),
                               std::min(kF32ChunkRows, r1 - next_c0), row_bytes,
                               DTypeBytes(w.dtype, std::min(block_cols, cols - next_k0)));
      }
      const size_t w_per_tile = (w_lines.lines() + tiles - 1) / tiles;
      const float* const panels = s.panels.data();
      for (size_t g = 0; g < n_groups; ++g) {
        const float* xg = xi + (g * cols + k0) * kInputs;
        for (size_t p = 0; p < pairs; ++p) {
          w_lines.Issue(w_per_tile);
          y_lines.Issue(y_per_tile);
          TileF32<V>(panels + p * kTileRows * kn, kn, xg, acc + (g * pairs + p) * kInputs * kTileRows, k0 == 0);
        }
      }
    }
    // Whole tiles by vector copies: memcpy's rep movs of 128 bytes took 5% of the GEMM's time.
    for (size_t i = 0; i < n; ++i) {
      const size_t g = i / kInputs, t = i % kInputs;
      for (size_t p = 0; p < pairs; ++p) {
        const size_t valid = std::min(kTileRows, rows - p * kTileRows);
        float* dst = y + i * ld + c0 + p * kTileRows;
        const float* src = acc + ((g * pairs + p) * kInputs + t) * kTileRows;
        if (valid == kTileRows) {
          V::Store(dst, V::Load(src));
          V::Store(dst + kLanes, V::Load(src + kLanes));
        } else {
          std::memcpy(dst, src, valid * sizeof(float));
        }
      }
    }
  }
}

}  // namespace
}  // namespace gemmakit
