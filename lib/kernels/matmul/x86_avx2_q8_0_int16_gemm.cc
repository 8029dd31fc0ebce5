// q8_0x8_q8_0_gemm_16x128__avx2: Q8_0 prompts on AVX2 without VNNI, as int16 pairs (vpmaddwd)
// instead of the sign trick. The sign trick spends three instructions per 32 products (vpsignb,
// vpmaddubsw, vpmaddwd by ones) and, on a Zen 4, all three share the same two pipes; vpmaddwd on
// int16 pairs does 16 products in one instruction, exact in int32, so 32 products cost two of those
// pipes' instructions instead of three. Both sides are widened to int16: the 16 rows' blocks, from
// two 8-row panels (rows8_panels.h), once per call into a per-thread buffer that up to 128 inputs
// then read (staging is about a tenth of the call at 32), and the inputs once per matmul by the
// operator (QGemmUkernel::prepare_inputs: widened per call they took a fifth of it). Inner loop
// alone, one Zen 4 thread, L1-resident: 137 GOP/s (sign trick, 8 rows x 4 inputs) -> 169 (int16
// pairs, 16 rows x 4 inputs); the whole kernel 113-127 -> 129-154 (BM_QGemmUkernel, n = 256).
//
// A dword of 4 quants (e0 e1 e2 e3) widens with two shifts into the pairs (e0, e2) and (e1, e3),
// one row per 32-bit lane as in the panel; the inputs' quants are paired the same way, so the
// products of a block are the same 32 whatever the pairing.
#include <immintrin.h>

#include <memory>

#include "kernels/matmul/rows8_panels.h"
#include "kernels/matmul/ukernels.h"
#include "kernels/matmul/x86_avx2_qgemm_tiles.h"
#include "kernels/quant/activation_q8.h"

namespace gemmakit {
namespace {

constexpr size_t kRows = 16, kSteps = 16;  // int16 pair steps per block of 32
constexpr size_t kInputsPerCall = 128;

// Block b of 16 rows: step j < 8 the pairs (4j, 4j + 2), step 8 + j the pairs (4j + 1, 4j + 3);
// [0] rows 0-7, [1] rows 8-15, lane r = row r.
struct alignas(32) WideQ8_0Block {
  __m256i w[kSteps][2];
  __m256 d[2];
};

// An input block (BlockQ8Act) prepared once per matmul: its quants paired as the rows' (one int32 per
// step) and its scale.
struct WideInputBlock {
  float d;
  int32_t pair[kSteps];
};

inline __m256i LowBytesWidened(__m256i v) { return _mm256_srai_epi16(_mm256_slli_epi16(v, 8), 8); }
inline __m256i HighBytesWidened(__m256i v) { return _mm256_srai_epi16(v, 8); }

// Rows [0, rows) of the panel(s) at `panel` (a second one 8 rows on, read when rows > 8).
void StageRows(const uint8_t* panel, size_t stride, size_t rows, size_t nb, WideQ8_0Block* out) {
  constexpr size_t kBlockBytes = Rows8PanelBlockBytes(DType::kQ8_0);
  const uint8_t* half[2] = {panel, rows > kRows8PanelRows ? panel + kRows8PanelRows * stride : panel};
  for (size_t b = 0; b < nb; ++b) {
    for (size_t h = 0; h < 2; ++h) {
      const uint8_t* blk = half[h] + b * kBlockBytes;
      for (size_t k = 0; k < 8; ++k) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 32 * k));
        _mm256_store_si256(&out[b].w[k][h], LowBytesWidened(q));
        _mm256_store_si256(&out[b].w[8 + k][h], HighBytesWidened(q));
      }
      _mm256_store_ps(reinterpret_cast<float*>(&out[b].d[h]), LoadPanelScales(half[h], nb, b, kBlockBytes));
    }
  }
}

void PrepareInputs(const void* blocks, size_t n_blocks, void* out) {
  const auto* x = static_cast<const BlockQ8Act*>(blocks);
  auto* wide = static_cast<WideInputBlock*>(out);
  for (size_t b = 0; b < n_blocks; ++b) {
    const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qs));
    // Dword j of the low-byte register holds (e[4j], e[4j + 2]), of the high-byte one (e[4j + 1], e[4j + 3]).
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(wide[b].pair), LowBytesWidened(q));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(wide[b].pair + 8), HighBytesWidened(q));
    wide[b].d = x[b].d;
  }
}

// kN inputs against the staged rows.
template <size_t kN>
void Pass(const WideQ8_0Block* blk, size_t rows, const WideInputBlock* xw, size_t nb, float* y, size_t ldy) {
  __m256 acc[kN][2];
  for (size_t i = 0; i < kN; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const WideQ8_0Block& s = blk[b];
    __m256i sum[kN][2];
    for (size_t i = 0; i < kN; ++i) sum[i][0] = sum[i][1] = _mm256_setzero_si256();
#pragma GCC unroll 16
    for (size_t j = 0; j < kSteps; ++j) {
      const __m256i w0 = _mm256_load_si256(&s.w[j][0]), w1 = _mm256_load_si256(&s.w[j][1]);
      for (size_t i = 0; i < kN; ++i) {
        const __m256i xj = _mm256_set1_epi32(xw[i * nb + b].pair[j]);
        sum[i][0] = _mm256_add_epi32(sum[i][0], _mm256_madd_epi16(w0, xj));
        sum[i][1] = _mm256_add_epi32(sum[i][1], _mm256_madd_epi16(w1, xj));
        // One chain per sum: else GCC reassociates the unrolled adds into trees whose values spill.
        __asm__("" : "+x"(sum[i][0]), "+x"(sum[i][1]));
      }
    }
    const __m256 d0 = _mm256_load_ps(reinterpret_cast<const float*>(&s.d[0]));
    const __m256 d1 = _mm256_load_ps(reinterpret_cast<const float*>(&s.d[1]));
    for (size_t i = 0; i < kN; ++i) {
      const __m256 dx = _mm256_set1_ps(xw[i * nb + b].d);
      acc[i][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[i][0]), _mm256_mul_ps(d0, dx), acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sum[i][1]), _mm256_mul_ps(d1, dx), acc[i][1]);
    }
  }
  for (size_t i = 0; i < kN; ++i) {
    StoreRows<8>(y + i * ldy, rows < 8 ? rows : 8, acc[i][0]);
    if (rows > 8) StoreRows<8>(y + i * ldy + 8, rows - 8, acc[i][1]);
  }
}

void GemmInt16Pairs(const uint8_t* panel, size_t stride, size_t rows, const void* xv, size_t n, size_t nb, float* y,
                    size_t ldy) {
  // Per thread, grown to the widest matrix seen (27B's 21504 columns: 731 KB).
  thread_local std::unique_ptr<WideQ8_0Block[]> staged;
  thread_local size_t capacity = 0;
  if (nb > capacity) {
    staged.reset(new WideQ8_0Block[nb]);
    capacity = nb;
  }
  StageRows(panel, stride, rows, nb, staged.get());
  const auto* xw = static_cast<const WideInputBlock*>(xv);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) Pass<4>(staged.get(), rows, xw + i * nb, nb, y + i * ldy, ldy);
  switch (n - i) {
    case 3: return Pass<3>(staged.get(), rows, xw + i * nb, nb, y + i * ldy, ldy);
    case 2: return Pass<2>(staged.get(), rows, xw + i * nb, nb, y + i * ldy, ldy);
    case 1: return Pass<1>(staged.get(), rows, xw + i * nb, nb, y + i * ldy, ldy);
    default: return;
  }
}

}  // namespace

extern const QGemmUkernel kQ8_0x8Q8_0Gemm16x128Avx2 = {"q8_0x8_q8_0_gemm_16x128__avx2",
                                                       DType::kQ8_0,
                                                       ActQuant::kQ8_0,
                                                       Isa::kAvx2,
                                                       kRows,
                                                       kInputsPerCall,
                                                       GemmInt16Pairs,
                                                       &kQ8_0Rows8Panels,
                                                       PrepareInputs,
                                                       sizeof(WideInputBlock)};

}  // namespace gemmakit
