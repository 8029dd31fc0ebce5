// The Q8_0 / Q4_0 / Q5_0 / Q5_1 tiles of the integer micro-kernels for AVX2 and AVX-VNNI (contract: ukernels.h):
// weight rows read in place in their GGUF blocks, against up to 4 inputs quantized to BlockQ8Act.
// Each weight block is loaded once per call and dotted with every input. The tiles are templated
// on the one step that differs between the two instruction sets, the dot product of unsigned by
// signed bytes into int32 lanes (a `Dot` policy):
//   Dot::Acc                      the running integer sum
//   Dot::kInt32Sums               whether Acc sums in int32 (else int16 pair sums, bounded by the tile)
//   Dot::Zero()
//   Dot::Add(acc, u, s)           acc += the products of u (unsigned bytes) and s (signed bytes)
//   Dot::Add2(acc, u1, s1, u2, s2)  both pairs' products
//   Dot::Lanes(acc)               int32 lane j = Σ of the products of bytes 4j..4j+3 added so far
//   Dot::AddLanes(s32, u, s)      s32 (int32 lanes) + Lanes(Add(Zero(), u, s)), in one step where
//                                 the instruction set sums into int32 directly
// The byte dot product is a template parameter (x86_byte_dots.h). Avx2Dot: vpmaddubsw into int16
// pair sums, vpmaddwd by ones at the end; the tiles keep every int16 partial sum in range (bounds
// below). VnniDot: vpdpbusd straight into int32. The integer sums are exact either way, and the float arithmetic
// after them is the same, so both give the same floats.
//
// q8_0_q8_0_gemm_4x4: the 4 rows' sums of one input are folded by horizontal adds into one
// register (lanes 0-3: rows 0-3 over elements 0-15, lanes 4-7: the same rows over elements 16-31),
// so a block costs one convert and one FMA per input for all 4 rows, and the 4 rows' f16 scales
// one convert. |w| (≤ 128, -128 read as 0x80 = 128 unsigned) times x with w's sign (|x| ≤ 127:
// activations are quantized to ±127): one Add per block, each int16 pair sum within
// 2 × 128 × 127 = 32512.
//
// q8_0_q8_0_gemm_8x4: TileRows8's layout (below) for Q8_0: the 8 rows' 32 quant bytes transposed in
// registers (16 unpacks per block, shared by the inputs), lane r = row r, so a block costs one
// convert and one FMA per input for all 8 rows and no horizontal adds. Signed weights by the sign
// trick, |w| against x with w's sign; each int16 pair sum is at most 32512 as above, so AVX2 widens
// every product register (Dot::AddLanes), which AVX-VNNI's vpdpbusd does anyway. On a Zen 5, one
// thread: 64 inputs 1.1-1.3 times the 4-row tile's speed on both instruction sets, decode (1-2
// inputs) as fast on weights streamed from memory. On weights in cache AVX2's 5 steps per product
// register (broadcast, sign, vpmaddubsw, vpmaddwd, add) leave it 10-20% behind the 4-row tile
// for 1-2 inputs, where AVX-VNNI's 3 keep up. The 4-row tile stays compiled and tested.
//
// q4_0_q8_0_gemm_8x4: 8 rows' blocks transposed in registers (8 unpacks per block, shared by the
// inputs) so that each register holds 4 quant bytes of every row, one row per 32-bit lane, as the
// AVX-512 panels are laid out at load; then 4 input bytes broadcast to every lane multiply all 8
// rows at once, and lane r = row r's sum: no horizontal adds. The nibbles (0..15) are the unsigned
// bytes; over a whole block each int16 lane is at most 4 × 2 × 2 × 15 × 127 = 30480. The stored
// offset (nibble - 8) is applied in float: -8 · d_x · Σq_x (BlockQ8Act::dsum).
//
// q5_0_q8_0_gemm_8x8 and q5_1_q8_0_gemm_8x8: the same 8-row tile (TileRows8) on the 5-bit blocks:
// the 8 rows' fifth bits (qh) transposed alike and OR-ed into the nibbles as 0x10, so that both take
// their quants unsigned, q in [0, 31]; the int16 sums are widened every half block (each lane at
// most 2 × 2 × 2 × 31 × 127 = 31496). Q5_0's offset (q - 16) comes in as Q4_0's does,
// -16 · d_x · Σq_x; Q5_1's minimum as m · d_x · Σq_x. 8 rows: the fixed cost of a block (loads,
// transposes, fifth bits) is shared by 8 rows (on 4 rows, with the Q8_0 tile's horizontal adds,
// they ran 1.2-1.4 times slower for 2 and 64 inputs).
//
// Decode (1-3 inputs) is bound by memory: the tiles prefetch the next call's rows (the operator
// hands consecutive rows to consecutive calls) in step with the ones they read.
//
// Include only from files compiled with AVX2 flags. Everything here has internal linkage, so that
// each including file keeps its own copy compiled with its own flags (no inline function compiled
// for AVX-VNNI can be picked by the linker for the AVX2 file).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstring>
#include <memory>

#include "kernels/cpu_features.h"
#include "kernels/matmul/qgemm_by_inputs.h"
#include "kernels/matmul/rows8_panels.h"
#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

constexpr size_t kTileNR = 4;

// The f16 scales of 4 blocks (rows) as floats, repeated in both 128-bit halves.
inline __m256 LoadScales4(const uint8_t* const (&blk)[4]) {
  uint16_t d[4];
  for (size_t r = 0; r < 4; ++r) std::memcpy(&d[r], blk[r], 2);
  const __m128 s = _mm_cvtph_ps(_mm_set_epi16(0, 0, 0, 0, static_cast<short>(d[3]), static_cast<short>(d[2]),
                                              static_cast<short>(d[1]), static_cast<short>(d[0])));
  return _mm256_set_m128(s, s);
}

// Stores the first `rows` of the kRows floats of v (a __m128 or __m256) at y.
template <size_t kRows, class V>
inline void StoreRows(float* y, size_t rows, V v) {
  alignas(32) float tmp[kRows];
  if constexpr (kRows == 4) {
    if (rows == kRows) return _mm_storeu_ps(y, v);
    _mm_store_ps(tmp, v);
  } else {
    if (rows == kRows) return _mm256_storeu_ps(y, v);
    _mm256_store_ps(tmp, v);
  }
  std::memcpy(y, tmp, rows * sizeof(float));
}

// Q8_0, rows [0, rows) (≤ 4) × kN inputs; rows past `rows` repeat row 0 and are not stored.
template <class Dot, size_t kN>
void TileQ8_0x4(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  constexpr size_t kRows = 4, kBlock = sizeof(BlockQ8_0);
  // Decode streams the weights once: prefetch the next call's rows a cache line per row every
  // 64 bytes of blocks.
  constexpr bool kPrefetch = kN < kTileNR;
  constexpr size_t kBlocksPerLine = 64 / kBlock;
  const uint8_t* row[kRows];
  for (size_t r = 0; r < kRows; ++r) row[r] = w + (r < rows ? r : 0) * stride;
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const uint8_t* blk[kRows];
    __m256i q[kRows], q_abs[kRows];
    for (size_t r = 0; r < kRows; ++r) {
      blk[r] = row[r] + b * kBlock;
      if (kPrefetch && b % kBlocksPerLine == 0) {
        _mm_prefetch(reinterpret_cast<const char*>(blk[r] + kRows * stride), _MM_HINT_T0);
      }
      q[r] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[r] + 2));
      q_abs[r] = _mm256_sign_epi8(q[r], q[r]);  // -128 stays 0x80: 128 as unsigned
    }
    const __m256 dw = LoadScales4(blk);
    for (size_t i = 0; i < kN; ++i) {
      const BlockQ8Act& xb = x[i * nb + b];
      const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.qs));
      // Lane r (and r + 4) = the int32 sum of row r over elements 0-15 (16-31).
      __m256i s[kRows];
      for (size_t r = 0; r < kRows; ++r) {
        s[r] = Dot::Lanes(Dot::Add(Dot::Zero(), q_abs[r], _mm256_sign_epi8(xq, q[r])));
      }
      const __m256i folded = _mm256_hadd_epi32(_mm256_hadd_epi32(s[0], s[1]), _mm256_hadd_epi32(s[2], s[3]));
      acc[i] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(folded), _mm256_mul_ps(dw, _mm256_set1_ps(xb.d)), acc[i]);
    }
  }
  for (size_t i = 0; i < kN; ++i) {
    StoreRows<kRows>(y + i * ldy, rows, _mm_add_ps(_mm256_castps256_ps128(acc[i]), _mm256_extractf128_ps(acc[i], 1)));
  }
}

// The f16 at byte `offset` of 8 rows' blocks as floats, lane r = row r.
inline __m256 LoadHalfs8(const uint8_t* const (&row)[8], size_t offset) {
  uint16_t d[8];
  for (size_t r = 0; r < 8; ++r) std::memcpy(&d[r], row[r] + offset, 2);
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(d)));
}

// Lane r's f16 in its low 16 bits (the high 16 zero) as a float, lane r = row r.
inline __m256 HalvesInDwordsToF32(__m256i v) {
  const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(v, v), _MM_SHUFFLE(3, 1, 2, 0));
  return _mm256_cvtph_ps(_mm256_castsi256_si128(packed));
}

// The 16 bytes at `off` of rows 0-7 as 4 registers, register k = dword k of every row, lane r =
// row r: rows r and r + 4 loaded into one register's halves, then a 4 × 4 transpose per half.
inline void TransposeRows8(const uint8_t* const (&row)[8], size_t off, __m256i* g) {
  __m256i v[4];
  for (size_t r = 0; r < 4; ++r) {
    v[r] = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(row[r + 4] + off),
                               reinterpret_cast<const __m128i*>(row[r] + off));
  }
  const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]), t1 = _mm256_unpackhi_epi32(v[0], v[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]), t3 = _mm256_unpackhi_epi32(v[2], v[3]);
  g[0] = _mm256_unpacklo_epi64(t0, t2);
  g[1] = _mm256_unpackhi_epi64(t0, t2);
  g[2] = _mm256_unpacklo_epi64(t1, t3);
  g[3] = _mm256_unpackhi_epi64(t1, t3);
}

// acc += one Q8_0 block of 8 rows (q[k]: quant dword k, lane r = row r; |q|; the rows' scales)
// against input block xb, lane r = row r's sum.
template <class Dot>
inline __m256 MulQ8_0Rows8(const __m256i (&q)[8], const __m256i (&q_abs)[8], __m256 dw, const BlockQ8Act& xb,
                           __m256 acc) {
  // Two chains of 4, so that vpdpbusd's latency overlaps.
  __m256i s[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
  for (size_t k = 0; k < 8; ++k) {
    int32_t xk;
    std::memcpy(&xk, xb.qs + 4 * k, 4);
    s[k % 2] = Dot::AddLanes(s[k % 2], q_abs[k], _mm256_sign_epi8(_mm256_set1_epi32(xk), q[k]));
  }
  const __m256 sums = _mm256_cvtepi32_ps(_mm256_add_epi32(s[0], s[1]));
  return _mm256_fmadd_ps(sums, _mm256_mul_ps(dw, _mm256_set1_ps(xb.d)), acc);
}

// Q8_0, 8 rows × kN inputs, lane r = row r; rows past `rows` repeat row 0 and are not stored.
template <class Dot, size_t kN>
void TileQ8_0Rows8(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y,
                   size_t ldy) {
  constexpr size_t kRows = 8, kBlock = sizeof(BlockQ8_0);
  constexpr bool kPrefetch = kN < kTileNR;  // decode: the next call's rows, a line per row per block
  const uint8_t* row[kRows];
  for (size_t r = 0; r < kRows; ++r) row[r] = w + (r < rows ? r : 0) * stride;
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const size_t off = b * kBlock;
    if (kPrefetch) {
      for (size_t r = 0; r < kRows; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(row[r] + off + kRows * stride), _MM_HINT_T0);
      }
    }
    // q[k]: quant dword k (elements 4k..4k+3) of rows 0-7.
    __m256i q[8], q_abs[8];
    TransposeRows8(row, off + offsetof(BlockQ8_0, qs), q);
    TransposeRows8(row, off + offsetof(BlockQ8_0, qs) + 16, q + 4);
    for (size_t k = 0; k < 8; ++k) q_abs[k] = _mm256_sign_epi8(q[k], q[k]);  // -128 stays 0x80: 128
    const __m256 dw = LoadHalfs8(row, off + offsetof(BlockQ8_0, d));
    for (size_t i = 0; i < kN; ++i) acc[i] = MulQ8_0Rows8<Dot>(q, q_abs, dw, x[i * nb + b], acc[i]);
  }
  for (size_t i = 0; i < kN; ++i) StoreRows<kRows>(y + i * ldy, rows, acc[i]);
}

// q8_0_q8_0_gemm_8x64 (prompts): the 8-row layout above, transposed once per call instead of once
// per 4 inputs: the 8 rows' blocks are staged (q, |q| and the scales, 544 bytes a block) and up to
// kStagedNR inputs then read them from L1, 4 at a time. The 4-input tile holds q and |q| of a whole block
// in 16 registers, so its 4 accumulators and the transposes spilled; here a step needs only one
// dword of each (2 registers) against 4 inputs: 4 int32 sums per chain (Dot::kChains: AVX2's
// chain is one vpaddd, vpdpbusd's latency wants two) and 4 accumulators, no spills.
struct alignas(32) StagedQ8_0Block {
  __m256i q[8], q_abs[8];  // dword k of rows 0-7, lane r = row r
  __m256 d;                // the rows' scales
};

// A block of 8 rows staged: q, |q| (-128 stays 0x80: 128 unsigned) and scales.
inline void StoreStagedQ8_0(const __m256i (&q)[8], __m256 d, StagedQ8_0Block* out) {
  for (size_t k = 0; k < 8; ++k) {
    _mm256_store_si256(&out->q[k], q[k]);
    _mm256_store_si256(&out->q_abs[k], _mm256_sign_epi8(q[k], q[k]));
  }
  _mm256_store_ps(reinterpret_cast<float*>(&out->d), d);
}

// Rows 0-7 of block b staged.
inline void StageQ8_0Block(const uint8_t* const (&row)[8], size_t b, StagedQ8_0Block* out) {
  const size_t off = b * sizeof(BlockQ8_0);
  __m256i q[8];
  TransposeRows8(row, off + offsetof(BlockQ8_0, qs), q);
  TransposeRows8(row, off + offsetof(BlockQ8_0, qs) + 16, q + 4);
  StoreStagedQ8_0(q, LoadHalfs8(row, off + offsetof(BlockQ8_0, d)), out);
}

// Dword k (< 4) of each 128-bit lane of v in all four of the lane's dwords (vpshufd): a broadcast
// without a load.
inline __m256i BroadcastDword(__m256i v, size_t k) {
  switch (k) {
    case 0: return _mm256_shuffle_epi32(v, 0x00);
    case 1: return _mm256_shuffle_epi32(v, 0x55);
    case 2: return _mm256_shuffle_epi32(v, 0xAA);
    default: return _mm256_shuffle_epi32(v, 0xFF);
  }
}

// kN (≤ 4) inputs against the staged rows.
template <class Dot, size_t kN>
void PassQ8_0Staged(const StagedQ8_0Block* blk, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    const StagedQ8_0Block& s = blk[b];
    constexpr size_t kChains = Dot::kChains;
    __m256i sum[kChains][kN];
    for (size_t c = 0; c < kChains; ++c) {
      for (size_t i = 0; i < kN; ++i) sum[c][i] = _mm256_setzero_si256();
    }
    if constexpr (kChains == 1) {
      // AVX2: each input's half block broadcast into both 128-bit lanes once and dword k taken by
      // vpshufd, as the Q4_0 staged tile does, instead of a broadcast load per product register
      // (one Zen 4 thread, n = 64 / 256, interleaved: 81 / 81 -> 88-94 / 92-97 GOP/s in place,
      // panels 81-90 / 85-94 -> 91-117 / 98-100).
      // The empty asm keeps each sum one chain: else GCC reassociates the unrolled vpaddd sums
      // into trees of all 32 products, whose live values spill.
      for (size_t h = 0; h < 2; ++h) {
        __m256i xh[kN];
        for (size_t i = 0; i < kN; ++i) {
          xh[i] = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[i * nb + b].qs + 16 * h)));
        }
#pragma GCC unroll 4
        for (size_t k = 0; k < 4; ++k) {
          const __m256i q = _mm256_load_si256(&s.q[4 * h + k]), q_abs = _mm256_load_si256(&s.q_abs[4 * h + k]);
          for (size_t i = 0; i < kN; ++i) {
            sum[0][i] = Dot::AddLanes(sum[0][i], q_abs, _mm256_sign_epi8(BroadcastDword(xh[i], k), q));
            __asm__("" : "+x"(sum[0][i]));
          }
        }
      }
    } else {
      for (size_t k = 0; k < 8; ++k) {
        const __m256i q = _mm256_load_si256(&s.q[k]), q_abs = _mm256_load_si256(&s.q_abs[k]);
        for (size_t i = 0; i < kN; ++i) {
          int32_t xk;
          std::memcpy(&xk, x[i * nb + b].qs + 4 * k, 4);
          sum[k % kChains][i] = Dot::AddLanes(sum[k % kChains][i], q_abs, _mm256_sign_epi8(_mm256_set1_epi32(xk), q));
        }
      }
    }
    const __m256 dw = _mm256_load_ps(reinterpret_cast<const float*>(&s.d));
    for (size_t i = 0; i < kN; ++i) {
      __m256i total = sum[0][i];
      for (size_t c = 1; c < kChains; ++c) total = _mm256_add_epi32(total, sum[c][i]);
      const __m256 sums = _mm256_cvtepi32_ps(total);
      acc[i] = _mm256_fmadd_ps(sums, _mm256_mul_ps(dw, _mm256_set1_ps(x[i * nb + b].d)), acc[i]);
    }
  }
  for (size_t i = 0; i < kN; ++i) StoreRows<8>(y + i * ldy, rows, acc[i]);
}

// The nibble formats the 8-row tile reads: 16 bytes of nibbles at kQs, for the 5-bit ones 4 bytes of
// fifth bits at kQh, and what a block adds per unit of d_x · Σx_q: its stored offset times -d_w
// (Q4_0: q - 8, Q5_0: q - 16), or its f16 minimum at kMin (Q5_1: d · q + m).
struct Q4_0Rows {
  static constexpr size_t kBytes = sizeof(BlockQ4_0), kQs = offsetof(BlockQ4_0, qs), kQh = 0, kMin = 0;
  static constexpr bool kFifthBit = false, kHasMin = false;
  static constexpr int kOffset = 8;
  static constexpr size_t kPanelBlockBytes = Rows8PanelBlockBytes(DType::kQ4_0);
};
struct Q5_0Rows {
  static constexpr size_t kBytes = sizeof(BlockQ5_0), kQs = offsetof(BlockQ5_0, qs), kQh = offsetof(BlockQ5_0, qh),
                          kMin = 0;
  static constexpr bool kFifthBit = true, kHasMin = false;
  static constexpr int kOffset = 16;
  static constexpr size_t kPanelBlockBytes = Rows8PanelBlockBytes(DType::kQ5_0);
};
struct Q5_1Rows {
  static constexpr size_t kBytes = sizeof(BlockQ5_1), kQs = offsetof(BlockQ5_1, qs), kQh = offsetof(BlockQ5_1, qh),
                          kMin = offsetof(BlockQ5_1, m);
  static constexpr bool kFifthBit = true, kHasMin = true;
  static constexpr int kOffset = 0;
};

// Block b of 8 rows of Format blocks (Q4_0, Q5_0, Q5_1) unpacked for the 8-row tiles: lo[k] / hi[k]
// the quants of elements 4k..4k+3 / 16+4k.. of every row, one row per 32-bit lane (unsigned, the
// 5-bit types' fifth bit OR-ed in as 0x10), dw the rows' scales, mw their minimums (Q5_1).
struct Rows8Block {
  __m256i lo[4], hi[4];
  __m256 dw, mw;
};

// An 8 × 8 matrix of dwords transposed: in[i] lane j -> out[j] lane i (8 rows' dwords to one
// register per dword position, as packing the panels does, and back, as unpacking them does).
inline void TransposeDwords8x8(const __m256i (&in)[8], __m256i (&out)[8]) {
  __m256i t[8], v[8];
  for (size_t i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_epi32(in[i], in[i + 1]);      // i, i + 1 at lanes 0, 1 | 4, 5
    t[i + 1] = _mm256_unpackhi_epi32(in[i], in[i + 1]);  // at lanes 2, 3 | 6, 7
  }
  for (size_t h = 0; h < 8; h += 4) {  // in[h..h + 3]: lane j | j + 4
    v[h + 0] = _mm256_unpacklo_epi64(t[h], t[h + 2]);
    v[h + 1] = _mm256_unpackhi_epi64(t[h], t[h + 2]);
    v[h + 2] = _mm256_unpacklo_epi64(t[h + 1], t[h + 3]);
    v[h + 3] = _mm256_unpackhi_epi64(t[h + 1], t[h + 3]);
  }
  for (size_t j = 0; j < 4; ++j) {
    out[j] = _mm256_permute2x128_si256(v[j], v[j + 4], 0x20);
    out[j + 4] = _mm256_permute2x128_si256(v[j], v[j + 4], 0x31);
  }
}

template <typename Format>
inline void UnpackRows8(const uint8_t* const (&row)[8], size_t b, Rows8Block& u) {
  const size_t off = b * Format::kBytes;
  const __m256i low = _mm256_set1_epi8(0x0F);
  // g[k]: dword k (elements 4k..4k+3 low, 16+4k.. high nibbles) of rows 0-7, lane r = row r.
  __m256i g[4];
  TransposeRows8(row, off + Format::kQs, g);
  for (size_t k = 0; k < 4; ++k) {
    u.lo[k] = _mm256_and_si256(g[k], low);
    u.hi[k] = _mm256_and_si256(_mm256_srli_epi16(g[k], 4), low);
  }
  if constexpr (Format::kFifthBit) {
    // The 16 bytes at each row's block start hold its scale, minimum and qh: one shuffle per pair of
    // rows moves qh to dword 0 and the f16 scale and minimum, zero-extended, to dwords 1 and 2, then
    // one transpose gives each of them with lane r = row r (8 scalar loads and inserts per f16 field
    // cost decode, which is bound by these instructions, more).
    constexpr char kH = static_cast<char>(Format::kQh), kM = static_cast<char>(Format::kMin), kZero = -128;
    const __m128i fields = _mm_setr_epi8(kH, kH + 1, kH + 2, kH + 3, 0, 1, kZero, kZero, Format::kHasMin ? kM : kZero,
                                         Format::kHasMin ? kM + 1 : kZero, kZero, kZero, kZero, kZero, kZero, kZero);
    const __m256i to_fields = _mm256_broadcastsi128_si256(fields);
    __m256i h[4];
    for (size_t r = 0; r < 4; ++r) {
      h[r] = _mm256_shuffle_epi8(_mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(row[r + 4] + off),
                                                     reinterpret_cast<const __m128i*>(row[r] + off)),
                                 to_fields);
    }
    const __m256i h01 = _mm256_unpacklo_epi32(h[0], h[1]), h23 = _mm256_unpacklo_epi32(h[2], h[3]);
    const __m256i qh = _mm256_unpacklo_epi64(h01, h23);
    u.dw = HalvesInDwordsToF32(_mm256_unpackhi_epi64(h01, h23));
    u.mw = Format::kHasMin ? HalvesInDwordsToF32(_mm256_unpacklo_epi64(_mm256_unpackhi_epi32(h[0], h[1]),
                                                                        _mm256_unpackhi_epi32(h[2], h[3])))
                           : _mm256_setzero_ps();
    // Element 4k + i's fifth bit (lo[k], byte i) is bit 4 · (k % 2) + i of qh byte k / 2;
    // element 16 + 4k + i's (hi[k]) the same bit of byte 2 + k / 2. qb[q]: each lane's qh byte q
    // in all 4 of the lane's bytes (vpshufb, within 128-bit halves).
    const __m256i lane_bytes = _mm256_setr_epi32(0, 0x04040404, 0x08080808, 0x0C0C0C0C, 0, 0x04040404, 0x08080808,
                                                 0x0C0C0C0C);
    __m256i qb[4];
    for (int q = 0; q < 4; ++q) qb[q] = _mm256_shuffle_epi8(qh, _mm256_add_epi8(lane_bytes, _mm256_set1_epi8(q)));
    // Byte i's bit isolated (k even: 1 << i, k odd: 0x10 << i), then made 0x10 where set: a
    // table lookup for the low 4 bits, a minimum with 0x10 for the high ones.
    const __m256i bits_even = _mm256_set1_epi32(0x08040201);
    const __m256i bits_odd = _mm256_set1_epi32(static_cast<int>(0x80402010u));
    const __m256i fifth = _mm256_set1_epi8(0x10);
    const __m256i to_fifth = _mm256_setr_epi8(0, 0x10, 0x10, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0,  //
                                              0, 0x10, 0x10, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0);
    for (size_t k = 0; k < 4; k += 2) {
      u.lo[k] = _mm256_or_si256(u.lo[k], _mm256_shuffle_epi8(to_fifth, _mm256_and_si256(qb[k / 2], bits_even)));
      u.hi[k] = _mm256_or_si256(u.hi[k], _mm256_shuffle_epi8(to_fifth, _mm256_and_si256(qb[2 + k / 2], bits_even)));
      u.lo[k + 1] = _mm256_or_si256(u.lo[k + 1], _mm256_min_epu8(_mm256_and_si256(qb[k / 2], bits_odd), fifth));
      u.hi[k + 1] = _mm256_or_si256(u.hi[k + 1], _mm256_min_epu8(_mm256_and_si256(qb[2 + k / 2], bits_odd), fifth));
    }
  }
  if constexpr (!Format::kFifthBit) {
    u.dw = LoadHalfs8(row, off);
    u.mw = _mm256_setzero_ps();
  }
}

// acc += block u's 8 rows against input block xb: 4 input bytes broadcast to every lane multiply
// all 8 rows at once (vpmaddubsw), lane r = row r's sum. The products add up in int16 over a whole
// Q4_0 block (each lane at most 4 × 2 × 2 × 15 × 127 = 30480), over half a 5-bit block (2 × 2 ×
// 2 × 31 × 127 = 31496) before Dot::Lanes widens them (AVX2's int16 pair sums; AVX-VNNI sums in
// int32 anyway).
// kBroadcastInRegister: the input's two halves loaded once into both 128-bit lanes and dword k
// broadcast from them (vpshufd), where the staged tiles were bound by loads (a staged register and a
// broadcast per product register); else 8 broadcast loads, which cost no vector instruction, where
// the in-place decode tiles are bound by the instructions that unpack the weights.
template <class Dot, typename Format, bool kBroadcastInRegister>
inline __m256 MulRows8(const Rows8Block& u, const BlockQ8Act& xb, __m256 acc) {
  constexpr size_t kKPerInt16 = Format::kFifthBit ? 2 : 4;  // quant dwords summed in int16
  __m256i s32 = _mm256_setzero_si256();
  __m256i xlo = _mm256_setzero_si256(), xhi = _mm256_setzero_si256();
  if constexpr (kBroadcastInRegister) {
    xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.qs)));
    xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.qs + 16)));
  }
  auto input_dword = [&](size_t k, bool high) {
    if constexpr (kBroadcastInRegister) return BroadcastDword(high ? xhi : xlo, k);
    int32_t v;
    std::memcpy(&v, xb.qs + (high ? 16 : 0) + 4 * k, 4);
    return _mm256_set1_epi32(v);
  };
  for (size_t k0 = 0; k0 < 4; k0 += kKPerInt16) {
    typename Dot::Acc s = Dot::Zero();
    for (size_t k = k0; k < k0 + kKPerInt16; ++k) {
      s = Dot::Add2(s, u.lo[k], input_dword(k, false), u.hi[k], input_dword(k, true));
    }
    s32 = _mm256_add_epi32(s32, Dot::Lanes(s));
  }
  const __m256 sums = _mm256_cvtepi32_ps(s32);
  if constexpr (Format::kHasMin) {
    // d_w · d_x · Σ q·x + m · d_x · Σx.
    acc = _mm256_fmadd_ps(_mm256_mul_ps(sums, _mm256_set1_ps(xb.d)), u.dw, acc);
    return _mm256_fmadd_ps(u.mw, _mm256_set1_ps(xb.dsum), acc);
  } else {
    // d_w · (d_x · Σ q·x - offset · d_x · Σx).
    const __m256 t = _mm256_fmadd_ps(sums, _mm256_set1_ps(xb.d), _mm256_set1_ps(-Format::kOffset * xb.dsum));
    return _mm256_fmadd_ps(t, u.dw, acc);
  }
}

// 8 rows × kN inputs of Format blocks read in place: each block unpacked (UnpackRows8) once per
// call and multiplied with every input (MulRows8); lane r of the results = row r, no horizontal
// adds. Rows past `rows` repeat row 0 and are not stored.
template <class Dot, typename Format, size_t kN>
void TileRows8(const uint8_t* w, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  constexpr size_t kRows = 8, kBlock = Format::kBytes;
  // Decode (the operator's plans for n < 4) streams the weights once: prefetch the next call's rows
  // a line per row every 64 / kBlock blocks (54, 44 or 48 bytes apart: no line is skipped).
  constexpr bool kPrefetch = kN < 4;
  constexpr size_t kPrefetchEvery = 64 / kBlock;
  const uint8_t* row[kRows];
  for (size_t r = 0; r < kRows; ++r) row[r] = w + (r < rows ? r : 0) * stride;
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    if (kPrefetch && b % kPrefetchEvery == 0) {
      for (size_t r = 0; r < kRows; ++r) {
        _mm_prefetch(reinterpret_cast<const char*>(row[r] + b * kBlock + kRows * stride), _MM_HINT_T0);
      }
    }
    Rows8Block u;
    UnpackRows8<Format>(row, b, u);
    for (size_t i = 0; i < kN; ++i) acc[i] = MulRows8<Dot, Format, false>(u, x[i * nb + b], acc[i]);
  }
  for (size_t i = 0; i < kN; ++i) StoreRows<kRows>(y + i * ldy, rows, acc[i]);
}

// The 8-row panels repacked at load (rows8_panels.h): the quant dwords come with row r in lane r
// already, Q5_0's fifth bits of the register of elements 4j.. at bit j of every byte (one shift and
// mask each), the 8 scales contiguous. The same registers as the tiles above gather from the rows
// in place, without the transposes, shuffles and scalar loads: 35 instructions a Q5_0 block instead
// of about 75.
inline __m256 LoadPanelScales(const uint8_t* panel, size_t nb, size_t b, size_t block_bytes) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(panel + nb * block_bytes + 16 * b)));
}

// Block b of a Q4_0 / Q5_0 panel as UnpackRows8<Format> unpacks the rows in place.
template <typename Format>
inline void UnpackPanel8(const uint8_t* panel, size_t nb, size_t b, Rows8Block& u) {
  constexpr size_t kBlockBytes = Format::kPanelBlockBytes;  // Q5_1 has none
  const uint8_t* blk = panel + b * kBlockBytes;
  const __m256i low = _mm256_set1_epi8(0x0F);
  for (size_t k = 0; k < 4; ++k) {
    const __m256i g = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 32 * k));
    u.lo[k] = _mm256_and_si256(g, low);
    u.hi[k] = _mm256_and_si256(_mm256_srli_epi16(g, 4), low);
  }
  if constexpr (Format::kFifthBit) {
    const __m256i fifth = _mm256_set1_epi8(0x10);
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 128));
#if defined(__AVX512BW__) && defined(__AVX512VL__)
    // Compiled for AVX-512: bit j of every byte tested into a mask, 0x10 added where set: two
    // instructions a register where the shifts below take three.
    for (size_t k = 0; k < 4; ++k) {
      const __m256i bit_lo = _mm256_set1_epi8(static_cast<char>(1u << k));
      const __m256i bit_hi = _mm256_set1_epi8(static_cast<char>(1u << (k + 4)));
      u.lo[k] = _mm256_mask_add_epi8(u.lo[k], _mm256_test_epi8_mask(h, bit_lo), u.lo[k], fifth);
      u.hi[k] = _mm256_mask_add_epi8(u.hi[k], _mm256_test_epi8_mask(h, bit_hi), u.hi[k], fifth);
    }
#else
    // Register j's fifth bits to bit 4: j < 4 (lo[j]) left by 4 - j, j ≥ 4 (hi[j - 4]) right by j - 4.
    const __m256i h_lo[4] = {_mm256_slli_epi32(h, 4), _mm256_slli_epi32(h, 3), _mm256_slli_epi32(h, 2),
                             _mm256_slli_epi32(h, 1)};
    const __m256i h_hi[4] = {h, _mm256_srli_epi32(h, 1), _mm256_srli_epi32(h, 2), _mm256_srli_epi32(h, 3)};
    for (size_t k = 0; k < 4; ++k) {
      u.lo[k] = _mm256_or_si256(u.lo[k], _mm256_and_si256(h_lo[k], fifth));
      u.hi[k] = _mm256_or_si256(u.hi[k], _mm256_and_si256(h_hi[k], fifth));
    }
#endif
  }
  u.dw = LoadPanelScales(panel, nb, b, kBlockBytes);
  u.mw = _mm256_setzero_ps();
}

// Decode streams the panels once: the lines of the next call's panel (8 rows further, where the
// operator goes next) that match block b of this one, as the in-place tiles prefetch the next rows.
// Without it the panel tiles ran at half their speed on weights from memory. Into L2 (T1), not L1:
// on a Zen 4, one thread, a 262144 x 1152 matrix from memory, Q8_0 12.7-13.0 -> 18.4-19.5 GB/s and
// Q4_0 10.4-10.8 -> 15.9-18.1 (BM_MatMulDram); the L1 fills competed with the tile's own loads.
template <size_t kBlockBytes>
inline void PrefetchNextPanel(const uint8_t* panel, size_t stride, size_t nb, size_t b) {
  const uint8_t* next = panel + kRows8PanelRows * stride;
  for (size_t line = 0; line < kBlockBytes; line += 64) {
    _mm_prefetch(reinterpret_cast<const char*>(next + b * kBlockBytes + line), _MM_HINT_T1);
  }
  if (b % 4 == 0) _mm_prefetch(reinterpret_cast<const char*>(next + nb * kBlockBytes + 16 * b), _MM_HINT_T1);
}

// 8 rows of a Q4_0 / Q5_0 panel × kN inputs, lane r = row r; rows past `rows` not stored.
template <class Dot, typename Format, size_t kN>
void TilePanel8(const uint8_t* panel, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y,
                size_t ldy) {
  constexpr size_t kBlockBytes = Format::kPanelBlockBytes;
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    if constexpr (kN < 4) PrefetchNextPanel<kBlockBytes>(panel, stride, nb, b);
    Rows8Block u;
    UnpackPanel8<Format>(panel, nb, b, u);
    for (size_t i = 0; i < kN; ++i) acc[i] = MulRows8<Dot, Format, false>(u, x[i * nb + b], acc[i]);
  }
  for (size_t i = 0; i < kN; ++i) StoreRows<8>(y + i * ldy, rows, acc[i]);
}

// Block b of a Q8_0 panel: q[k] = quant dword k of rows 0-7, lane r = row r.
inline void LoadQ8_0Panel8(const uint8_t* panel, size_t b, __m256i (&q)[8]) {
  const uint8_t* blk = panel + b * Rows8PanelBlockBytes(DType::kQ8_0);
  for (size_t k = 0; k < 8; ++k) q[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 32 * k));
}

// Q8_0 panel, 8 rows × kN inputs: TileQ8_0Rows8 on the panel's registers.
template <class Dot, size_t kN>
void TileQ8_0Panel8(const uint8_t* panel, size_t stride, size_t rows, const BlockQ8Act* x, size_t nb, float* y,
                    size_t ldy) {
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    if constexpr (kN < 4) PrefetchNextPanel<Rows8PanelBlockBytes(DType::kQ8_0)>(panel, stride, nb, b);
    __m256i q[8], q_abs[8];
    LoadQ8_0Panel8(panel, b, q);
    for (size_t k = 0; k < 8; ++k) q_abs[k] = _mm256_sign_epi8(q[k], q[k]);  // -128 stays 0x80: 128
    const __m256 dw = LoadPanelScales(panel, nb, b, Rows8PanelBlockBytes(DType::kQ8_0));
    for (size_t i = 0; i < kN; ++i) acc[i] = MulQ8_0Rows8<Dot>(q, q_abs, dw, x[i * nb + b], acc[i]);
  }
  for (size_t i = 0; i < kN; ++i) StoreRows<8>(y + i * ldy, rows, acc[i]);
}

// Prompts: the same, with every block of the 8 rows unpacked once per call into a per-thread
// buffer (Rows8Block: 320 bytes a block) and up to kStagedNR inputs then reading it, kN at a
// time: the in-place tile unpacked it again for every 4 (or 8) inputs.
// kBroadcastInRegister (MulRows8): on Zen 5 the in-register broadcasts won (staged Q4_0 188 -> 202
// GOP/s, one thread); on an Intel Xeon (family 6 model 207, AVX2 tier) the broadcast loads win:
// 1B pp512 at 2 threads, A/B pairs, Q4_0 171-172 -> 189-198 t/s, Q4_K_M 157 -> 173. The sums are
// the same either way.
template <class Dot, typename Format, size_t kN, bool kBroadcastInRegister>
void PassRows8Staged(const Rows8Block* u, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
  __m256 acc[kN];
  for (size_t i = 0; i < kN; ++i) acc[i] = _mm256_setzero_ps();
  for (size_t b = 0; b < nb; ++b) {
    for (size_t i = 0; i < kN; ++i) {
      acc[i] = MulRows8<Dot, Format, kBroadcastInRegister>(u[b], x[i * nb + b], acc[i]);
    }
  }
  for (size_t i = 0; i < kN; ++i) StoreRows<8>(y + i * ldy, rows, acc[i]);
}

// The staged prompt kernels (QGemmFn): the 8 rows' blocks staged once per call by
// Staging::Stage(w, stride, rows, nb, blocks) into a per-thread buffer, then Staging::Pass<kN> for up
// to 4 inputs at a time; rows (≤ 8) × n (≤ kStagedNR) inputs, rows past `rows` not stored.
constexpr size_t kStagedNR = 64;
template <class Staging>
void GemmStaged8(const uint8_t* w, size_t stride, size_t rows, const void* xv, size_t n, size_t nb, float* y,
                 size_t ldy) {
  using Block = typename Staging::Block;
  // Per thread, grown to the widest matrix seen (Q8_0 of 27B's 21504 columns: 366 KB).
  thread_local std::unique_ptr<Block[]> staged;
  thread_local size_t capacity = 0;
  if (nb > capacity) {
    staged.reset(new Block[nb]);
    capacity = nb;
  }
  Staging::Stage(w, stride, rows, nb, staged.get());
  const auto* x = static_cast<const BlockQ8Act*>(xv);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) Staging::template Pass<4>(staged.get(), rows, x + i * nb, nb, y + i * ldy, ldy);
  switch (n - i) {
    case 3: return Staging::template Pass<3>(staged.get(), rows, x + i * nb, nb, y + i * ldy, ldy);
    case 2: return Staging::template Pass<2>(staged.get(), rows, x + i * nb, nb, y + i * ldy, ldy);
    case 1: return Staging::template Pass<1>(staged.get(), rows, x + i * nb, nb, y + i * ldy, ldy);
    default: return;
  }
}

// The 8 rows' pointers for the in-place tiles; rows past `rows` repeat row 0.
struct Rows8 {
  const uint8_t* row[8];
  Rows8(const uint8_t* w, size_t stride, size_t rows) {
    for (size_t r = 0; r < 8; ++r) row[r] = w + (r < rows ? r : 0) * stride;
  }
};

template <class Dot>
struct Q8_0Staging {
  using Block = StagedQ8_0Block;
  static void Stage(const uint8_t* w, size_t stride, size_t rows, size_t nb, Block* out) {
    const Rows8 src(w, stride, rows);
    for (size_t b = 0; b < nb; ++b) StageQ8_0Block(src.row, b, &out[b]);
  }
  template <size_t kN>
  static void Pass(const Block* blk, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
    PassQ8_0Staged<Dot, kN>(blk, rows, x, nb, y, ldy);
  }
};

template <class Dot, typename Format>
struct Rows8Staging {
  using Block = Rows8Block;
  static void Stage(const uint8_t* w, size_t stride, size_t rows, size_t nb, Block* out) {
    const Rows8 src(w, stride, rows);
    for (size_t b = 0; b < nb; ++b) UnpackRows8<Format>(src.row, b, out[b]);
  }
  template <size_t kN>
  static void Pass(const Block* blk, size_t rows, const BlockQ8Act* x, size_t nb, float* y, size_t ldy) {
    static const bool in_register = !CpuIsIntel();
    if (in_register) return PassRows8Staged<Dot, Format, kN, true>(blk, rows, x, nb, y, ldy);
    PassRows8Staged<Dot, Format, kN, false>(blk, rows, x, nb, y, ldy);
  }
};

// Prompts from the load-time panels: the same staged blocks and passes, staged without transposes.
template <class Dot, typename Format>
struct Panel8Staging : Rows8Staging<Dot, Format> {
  static void Stage(const uint8_t* panel, size_t, size_t, size_t nb, Rows8Block* out) {
    for (size_t b = 0; b < nb; ++b) UnpackPanel8<Format>(panel, nb, b, out[b]);
  }
};

template <class Dot>
struct Q8_0Panel8Staging : Q8_0Staging<Dot> {
  static void Stage(const uint8_t* panel, size_t, size_t, size_t nb, StagedQ8_0Block* out) {
    for (size_t b = 0; b < nb; ++b) {
      __m256i q[8];
      LoadQ8_0Panel8(panel, b, q);
      StoreStagedQ8_0(q, LoadPanelScales(panel, nb, b, Rows8PanelBlockBytes(DType::kQ8_0)), &out[b]);
    }
  }
};

template <class Dot>
constexpr QGemmFn kQ8_0Gemm4x4 =
    QGemmByInputs<TileQ8_0x4<Dot, 1>, TileQ8_0x4<Dot, 2>, TileQ8_0x4<Dot, 3>, TileQ8_0x4<Dot, 4>>;
template <class Dot>
constexpr QGemmFn kQ8_0Gemm8x4 = QGemmByInputs<TileQ8_0Rows8<Dot, 1>, TileQ8_0Rows8<Dot, 2>, TileQ8_0Rows8<Dot, 3>,
                                          TileQ8_0Rows8<Dot, 4>>;
template <class Dot>
constexpr QGemmFn kQ4_0Gemm8x4 = QGemmByInputs<TileRows8<Dot, Q4_0Rows, 1>, TileRows8<Dot, Q4_0Rows, 2>,
                                          TileRows8<Dot, Q4_0Rows, 3>, TileRows8<Dot, Q4_0Rows, 4>>;
// 5-bit rows take 8 inputs per call (the fixed cost of a block, fifth bits included, shared by more
// inputs: 15-20% faster on 64 inputs although 8 accumulators spill).
template <class Dot, class Format>
constexpr QGemmFn kQ5Gemm8x8 =
    QGemmByInputs<TileRows8<Dot, Format, 1>, TileRows8<Dot, Format, 2>, TileRows8<Dot, Format, 3>, TileRows8<Dot, Format, 4>,
             TileRows8<Dot, Format, 5>, TileRows8<Dot, Format, 6>, TileRows8<Dot, Format, 7>, TileRows8<Dot, Format, 8>>;
// The panels: 4 inputs per call (unpacking a block costs about as much as one input's products).
template <class Dot, class Format>
constexpr QGemmFn kPanel8Gemm8x4 = QGemmByInputs<TilePanel8<Dot, Format, 1>, TilePanel8<Dot, Format, 2>,
                                                TilePanel8<Dot, Format, 3>, TilePanel8<Dot, Format, 4>>;
template <class Dot>
constexpr QGemmFn kQ8_0Panel8Gemm8x4 = QGemmByInputs<TileQ8_0Panel8<Dot, 1>, TileQ8_0Panel8<Dot, 2>,
                                                    TileQ8_0Panel8<Dot, 3>, TileQ8_0Panel8<Dot, 4>>;

}  // namespace
}  // namespace gemmakit
