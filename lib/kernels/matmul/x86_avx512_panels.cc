// Repacking Q8_0 / Q4_0 rows into the panel layout of panels.h: 16 bytes of each of a panel's 16
// rows loaded, then transposed in registers, and the next panel prefetched meanwhile. The dword
// gathers this replaced spent 0.4-0.5 s of CPU repacking a 1B Q4_0 model (720 MB) at load on a
// Zen 5; this takes about 0.2 s.
// GCC 12 flags the undefined vector its own unpack intrinsics start from.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/matmul/panels.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

// 16 bytes at `off` of rows a, 4 + a, 8 + a, 12 + a, one row per 128-bit lane.
inline __m512i LoadLanes(const uint8_t* const (&row)[kPanelRows], size_t a, size_t off) {
  auto at = [&](size_t r) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(row[r] + off)); };
  __m512i v = _mm512_zextsi128_si512(at(a));
  v = _mm512_inserti32x4(v, at(4 + a), 1);
  v = _mm512_inserti32x4(v, at(8 + a), 2);
  return _mm512_inserti32x4(v, at(12 + a), 3);
}

// Dwords 0-3 of the 16 bytes at `off` of every row, as 4 groups of 64 bytes in which dword r is
// row r's (a 4 × 4 transpose within each 128-bit lane), XOR-ed with `flip`.
inline void TransposeDwords(const uint8_t* const (&row)[kPanelRows], size_t off, __m512i flip, uint8_t* q) {
  const __m512i v0 = LoadLanes(row, 0, off), v1 = LoadLanes(row, 1, off);
  const __m512i v2 = LoadLanes(row, 2, off), v3 = LoadLanes(row, 3, off);
  const __m512i t0 = _mm512_unpacklo_epi32(v0, v1), t1 = _mm512_unpackhi_epi32(v0, v1);
  const __m512i t2 = _mm512_unpacklo_epi32(v2, v3), t3 = _mm512_unpackhi_epi32(v2, v3);
  _mm512_storeu_si512(q, _mm512_xor_si512(_mm512_unpacklo_epi64(t0, t2), flip));
  _mm512_storeu_si512(q + 64, _mm512_xor_si512(_mm512_unpackhi_epi64(t0, t2), flip));
  _mm512_storeu_si512(q + 128, _mm512_xor_si512(_mm512_unpacklo_epi64(t1, t3), flip));
  _mm512_storeu_si512(q + 192, _mm512_xor_si512(_mm512_unpackhi_epi64(t1, t3), flip));
}

}  // namespace

// Panels [p0, p1) of w into `out` (the whole matrix's panel layout). Rows past the matrix's end
// are packed as zero bytes: weight 0 (Q8_0's stored 0x80 after the flip), scale 0.
void PackPanelsAvx512(const MatrixView& w, uint8_t* out, size_t p0, size_t p1) {
  const size_t nb = w.cols / kQK, row_bytes = DTypeBytes(w.dtype, w.cols);
  const bool q8 = w.dtype == DType::kQ8_0;
  const size_t block_bytes = q8 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0), quant_bytes = PanelQuantBytes(w.dtype);
  const __m512i flip = _mm512_set1_epi8(q8 ? static_cast<char>(0x80) : 0);
  std::vector<uint8_t> tail;  // a last, partial panel's rows, padded with zero rows
  for (size_t p = p0; p < p1; ++p) {
    const size_t r0 = p * kPanelRows, valid = std::min(kPanelRows, w.rows - r0);
    const uint8_t* base = static_cast<const uint8_t*>(w.data) + r0 * row_bytes;
    if (valid < kPanelRows) {
      tail.assign(kPanelRows * row_bytes, 0);
      std::memcpy(tail.data(), base, valid * row_bytes);
      base = tail.data();
    }
    const uint8_t* row[kPanelRows];
    for (size_t r = 0; r < kPanelRows; ++r) row[r] = base + r * row_bytes;
    uint8_t* panel = out + p * PanelStride(w.dtype, w.cols);
    uint16_t* scales = reinterpret_cast<uint16_t*>(panel + nb * quant_bytes);
    // A panel's rows are contiguous, but each row's stretch is too short for the hardware
    // prefetchers to follow (without this the loads waited on memory): each block prefetches its
    // share of the next panel, 16 blocks' bytes.
    const uint8_t* next = static_cast<const uint8_t*>(w.data) + (r0 + kPanelRows) * row_bytes;
    const size_t next_bytes = p + 1 < p1 ? std::min(kPanelRows, w.rows - r0 - kPanelRows) * row_bytes : 0;
    for (size_t b = 0; b < nb; ++b) {
      const size_t off = b * block_bytes;  // each row's block: f16 scale, then quants
      for (size_t at = kPanelRows * off; at < std::min(next_bytes, kPanelRows * (off + block_bytes)); at += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(next + at), _MM_HINT_T0);
      }
      uint8_t* q = panel + b * quant_bytes;
      TransposeDwords(row, off + 2, flip, q);
      if (q8) TransposeDwords(row, off + 18, flip, q + 256);
      for (size_t r = 0; r < kPanelRows; ++r) std::memcpy(scales + b * kPanelRows + r, row[r] + off, 2);
    }
  }
}

}  // namespace gemmakit
