// The affine form (u8_panels.h) of the common presets' types on AVX2, for the u8 panel GEMMs of
// both x86 tiers: Q4_1, Q5_0, Q5_1 (nibbles and fifth bits), Q4_K / Q5_K, Q6_K; the others take the
// scalar definition (a Q5_K_M file keeps its 1152-column matrices in Q5_1: unpacked by the scalar
// definition they held AVX-512 prompts back, 1B Q5_K_M pp512 281-292 -> 338-347 t/s on a Xeon). Equal to it to the bit
// (tested).
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/matmul/panels.h"
#include "kernels/matmul/rows8_panels.h"
#include "kernels/matmul/u8_panels.h"
#include "kernels/matmul/x86_avx2_qgemm_tiles.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

inline __m256i Load32(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void Store32(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
inline float Half(uint16_t h) { return _cvtsh_ss(h); }

// The 32-blocks Q4_1, Q5_0 and Q5_1: the 16 nibble bytes split into 32 values; the fifth bits (bit j
// of qh for value j) made 0x10 bytes: qh byte j / 8 spread to byte j, its bit j % 8 tested. The
// minimum is the block's m (Q4_1, Q5_1) or -16 · d (Q5_0).
template <typename Block, bool kFifthBit, bool kHasMin>
void Unpack32Block(const uint8_t* row, size_t blocks, uint8_t* u, float* scale, float* min) {
  const __m128i low = _mm_set1_epi8(0x0F);
  const __m256i spread_bytes = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                                2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i bit_of_byte = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
  for (size_t b = 0; b < blocks; ++b) {
    const auto& blk = reinterpret_cast<const Block*>(row)[b];
    const __m128i qs = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
    __m256i values = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(qs, 4), low), _mm_and_si128(qs, low));
    if constexpr (kFifthBit) {
      uint32_t qh;
      std::memcpy(&qh, blk.qh, 4);
      const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(qh)), spread_bytes);
      const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit_of_byte), bit_of_byte);
      values = _mm256_or_si256(values, _mm256_and_si256(set, _mm256_set1_epi8(0x10)));
    }
    Store32(u + 32 * b, values);
    scale[b] = Half(blk.d);
    if constexpr (kHasMin) {
      min[b] = Half(blk.m);
    } else {
      min[b] = -16.f * scale[b];
    }
  }
}

// Q5_0 rows repacked at load (rows8_panels.h), a panel of n_rows (≤ 8) at a time: the decode
// tile's unpacking (UnpackPanel8: lane r of register k holds row r's values 4k.. or 16 + 4k..),
// then one transpose, where reading each row back as blocks first cost more than the unpacking.
void UnpackQ5_0Panel8(const uint8_t* panel, size_t nb, size_t n_rows, size_t cols, uint8_t* u, float* scale,
                      float* min) {
  for (size_t b = 0; b < nb; ++b) {
    Rows8Block blk;
    UnpackPanel8<Q5_0Rows>(panel, nb, b, blk);
    const __m256i in[8] = {blk.lo[0], blk.lo[1], blk.lo[2], blk.lo[3], blk.hi[0], blk.hi[1], blk.hi[2], blk.hi[3]};
    __m256i rows[8];
    TransposeDwords8x8(in, rows);
    alignas(32) float d[8];
    _mm256_store_ps(d, blk.dw);
    for (size_t r = 0; r < n_rows; ++r) {
      Store32(u + r * cols + 32 * b, rows[r]);
      scale[r * nb + b] = d[r], min[r * nb + b] = -16.f * d[r];
    }
  }
}

// Q4_K / Q5_K: sub-block 2j from the low nibbles of bytes 32j.., 2j + 1 from the high ones; the
// fifth bit of sub-block s is bit s of qh[l].
template <bool kFifthBit, typename Block>
void UnpackK4(const uint8_t* row, size_t blocks, uint8_t* u, float* scale, float* min) {
  const __m256i low = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
  for (size_t b = 0; b < blocks; ++b) {
    const auto& blk = reinterpret_cast<const Block*>(row)[b];
    const float d = Half(blk.d), dmin = Half(blk.dmin);
    __m256i qh = _mm256_setzero_si256();
    if constexpr (kFifthBit) qh = Load32(blk.qh);
    for (int j = 0; j < 4; ++j) {
      const __m256i q = Load32(blk.qs + 32 * j);
      __m256i lo = _mm256_and_si256(q, low), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
      if constexpr (kFifthBit) {
        lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j), one), 4));
        hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * j + 1), one), 4));
      }
      Store32(u + 256 * b + 64 * j, lo);
      Store32(u + 256 * b + 64 * j + 32, hi);
    }
    for (int s = 0; s < 8; ++s) {
      uint8_t sc, m;
      UnpackScaleMinK4(s, blk.scales, &sc, &m);
      scale[8 * b + s] = d * sc, min[8 * b + s] = -(dmin * m);
    }
  }
}

// Q6_K: per 128-value half, 64 bytes of low nibbles and 32 of high bit pairs.
void UnpackQ6_K(const uint8_t* row, size_t blocks, uint8_t* u, float* scale, float* min) {
  const __m256i low = _mm256_set1_epi8(0x0F), pair = _mm256_set1_epi8(0x30);
  for (size_t b = 0; b < blocks; ++b) {
    const auto& blk = reinterpret_cast<const BlockQ6_K*>(row)[b];
    const float d = Half(blk.d);
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = Load32(blk.ql + 64 * half), ql1 = Load32(blk.ql + 64 * half + 32);
      const __m256i qh = Load32(blk.qh + 32 * half);
      uint8_t* out = u + 256 * b + 128 * half;
      Store32(out, _mm256_or_si256(_mm256_and_si256(ql0, low), _mm256_and_si256(_mm256_slli_epi16(qh, 4), pair)));
      Store32(out + 32, _mm256_or_si256(_mm256_and_si256(ql1, low), _mm256_and_si256(_mm256_slli_epi16(qh, 2), pair)));
      Store32(out + 64, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low), _mm256_and_si256(qh, pair)));
      Store32(out + 96, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low),
                                        _mm256_and_si256(_mm256_srli_epi16(qh, 2), pair)));
    }
    for (int g = 0; g < 16; ++g) scale[16 * b + g] = d * blk.scales[g], min[16 * b + g] = -32.f * scale[16 * b + g];
  }
}

}  // namespace

void UnpackRowsU8Avx2(DType dtype, const uint8_t* rows, size_t row_stride, size_t n_rows, size_t cols, uint8_t* u,
                        float* scale, float* min) {
  using UnpackFn = void (*)(const uint8_t*, size_t, uint8_t*, float*, float*);
  UnpackFn fn = nullptr;
  size_t values = 256;
  switch (dtype) {
    case DType::kQ4_1:
      fn = Unpack32Block<BlockQ4_1, false, true>, values = 32;
      break;
    case DType::kQ5_0:
      fn = Unpack32Block<BlockQ5_0, true, false>, values = 32;
      break;
    case DType::kQ5_1:
      fn = Unpack32Block<BlockQ5_1, true, true>, values = 32;
      break;
    case DType::kQ4_K: fn = UnpackK4<false, BlockQ4_K>; break;
    case DType::kQ5_K: fn = UnpackK4<true, BlockQ5_K>; break;
    case DType::kQ6_K: fn = UnpackQ6_K; break;
    default: return UnpackRowsU8(dtype, rows, row_stride, n_rows, cols, u, scale, min);
  }
  const size_t groups = cols / U8GroupSize(dtype);
  for (size_t r = 0; r < n_rows; ++r) fn(rows + r * row_stride, cols / values, u + r * cols, scale + r * groups, min + r * groups);
}

U8Rows UnpackChunkU8Avx2(const MatrixView& w, size_t r0, size_t rows) {
  const size_t groups = w.cols / U8GroupSize(w.dtype), row_bytes = DTypeBytes(w.dtype, w.cols);
  thread_local std::vector<uint8_t> u;
  thread_local std::vector<float> scale, min;
  if (u.size() < rows * w.cols) u.resize(rows * w.cols);
  if (scale.size() < rows * groups) scale.resize(rows * groups), min.resize(rows * groups);
  const uint8_t* blocks = static_cast<const uint8_t*>(w.data) + r0 * row_bytes;
  if (w.panels && RowPanelLayout(w.dtype) == &kQ5_0Rows8Panels && r0 % kRows8PanelRows == 0) {
    const auto* panels = static_cast<const uint8_t*>(w.panels);
    for (size_t r = 0; r < rows; r += kRows8PanelRows) {
      UnpackQ5_0Panel8(panels + (r0 + r) * row_bytes, w.cols / 32, std::min(kRows8PanelRows, rows - r), w.cols,
                       u.data() + r * w.cols, scale.data() + r * groups, min.data() + r * groups);
    }
    return {u.data(), scale.data(), min.data()};
  }
  if (w.panels) {  // repacked at load for decode: the rows back in blocks first (not the released mapping)
    thread_local std::vector<uint8_t> from_panels;
    if (from_panels.size() < rows * row_bytes) from_panels.resize(rows * row_bytes);
    for (size_t r = 0; r < rows; ++r) w.RowBytes(r0 + r, from_panels.data() + r * row_bytes);
    blocks = from_panels.data();
  }
  UnpackRowsU8Avx2(w.dtype, blocks, row_bytes, rows, w.cols, u.data(), scale.data(), min.data());
  return {u.data(), scale.data(), min.data()};
}

}  // namespace gemmakit
