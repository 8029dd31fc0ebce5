// Repacking Q8_0 / Q4_0 rows into the panel layout of panels.h: each 64-byte group is one gather
// of a dword from each of 16 rows.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "kernels/matmul.h"
#include "kernels/matmul/panels.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {

// Panels [p0, p1) of w into `out` (the whole matrix's panel layout).
void PackPanelsAvx512(const MatrixView& w, uint8_t* out, size_t p0, size_t p1) {
  const size_t nb = w.cols / kQK, row_bytes = DTypeBytes(w.dtype, w.cols);
  const size_t block_bytes = w.dtype == DType::kQ8_0 ? sizeof(BlockQ8_0) : sizeof(BlockQ4_0);
  const size_t quant_bytes = PanelQuantBytes(w.dtype), groups = quant_bytes / 64;
  const __m512i row_offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                 _mm512_set1_epi32(static_cast<int>(row_bytes)));
  const __m512i flip = _mm512_set1_epi8(w.dtype == DType::kQ8_0 ? static_cast<char>(0x80) : 0);
  for (size_t p = p0; p < p1; ++p) {
    const size_t r0 = p * kPanelRows, valid = std::min(kPanelRows, w.rows - r0);
    const __mmask16 rows = static_cast<__mmask16>((1u << valid) - 1);
    const uint8_t* base = static_cast<const uint8_t*>(w.data) + r0 * row_bytes;
    uint8_t* panel = out + p * PanelStride(w.dtype, w.cols);
    uint16_t* scales = reinterpret_cast<uint16_t*>(panel + nb * quant_bytes);
    for (size_t b = 0; b < nb; ++b) {
      uint8_t* q = panel + b * quant_bytes;
      const uint8_t* blocks = base + b * block_bytes;  // each row's block: f16 scale, then quants
      for (size_t g = 0; g < groups; ++g) {
        const __m512i v = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), rows, row_offsets, blocks + 2 + 4 * g, 1);
        _mm512_storeu_si512(q + 64 * g, _mm512_xor_si512(v, flip));
      }
      const __m512i d = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), rows, row_offsets, blocks, 1);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(scales + b * kPanelRows), _mm512_cvtepi32_epi16(d));
    }
  }
}

}  // namespace gemmakit
