// Prompt-sized (n ≥ 4 inputs) matmul for Q8_0 and Q4_0 weights with AVX-512 VNNI: a 4-row ×
// 4-input register tile of vpdpbusd over pairs of 32-element blocks.
//
// vpdpbusd multiplies unsigned by signed bytes, so inputs are stored biased (x + 128, unsigned)
// and weights signed (Q4_0 nibbles become nibble - 8); the bias adds 128·Σw, which is subtracted
// by starting each sum from -128·Σw, precomputed per weight block. Weights are repacked per chunk
// of rows (cache-sized) and inputs per matmul, so every load in the inner loop is one aligned
// 64-byte vector.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

constexpr size_t kRows = 4, kInputs = 4;
constexpr size_t kRowChunk = 64;     // rows repacked together (~220 KB for 1152 columns)
constexpr size_t kInputBlock = 64;   // inputs streamed past one chunk while it is in L2

// One pair of blocks (64 values) of one row or input, ready for the kernel.
struct alignas(64) PackedPair {
  int8_t q[64];      // weights signed; inputs biased to unsigned
  float scale[16];   // block scale, 8 lanes per block (the lanes vpdpbusd sums it into)
};
struct alignas(64) WeightPair {
  PackedPair p;
  int32_t bias[16];  // -128 · Σw over each lane's 4 weights
};

inline float Half(uint16_t h) { return F16ToF32(h); }

void PackWeightRow(const MatrixView& w, size_t r, size_t n_pairs, WeightPair* out) {
  const size_t nb = w.cols / kQK;
  const uint8_t* row = static_cast<const uint8_t*>(w.data) + r * DTypeBytes(w.dtype, w.cols);
  for (size_t k = 0; k < n_pairs; ++k) {
    WeightPair& wp = out[k];
    for (size_t h = 0; h < 2; ++h) {
      const size_t b = 2 * k + h;
      int8_t* q = wp.p.q + 32 * h;
      float d = 0.f;
      if (b >= nb) {
        std::memset(q, 0, 32);
      } else if (w.dtype == DType::kQ8_0) {
        const BlockQ8_0& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
        std::memcpy(q, blk.qs, 32);
        d = Half(blk.d);
      } else {
        const BlockQ4_0& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
        for (int j = 0; j < 16; ++j) {
          q[j] = static_cast<int8_t>((blk.qs[j] & 0xF) - 8);
          q[j + 16] = static_cast<int8_t>((blk.qs[j] >> 4) - 8);
        }
        d = Half(blk.d);
      }
      for (int l = 0; l < 8; ++l) wp.p.scale[8 * h + l] = d;
    }
    const __m512i wq = _mm512_load_si512(wp.p.q);
    const __m512i bias = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(static_cast<char>(0x80)), wq);
    _mm512_store_si512(wp.bias, _mm512_sub_epi32(_mm512_setzero_si512(), bias));
  }
}

void PackInput(const BlockQ8Act* x, size_t nb, size_t n_pairs, PackedPair* out) {
  for (size_t k = 0; k < n_pairs; ++k) {
    for (size_t h = 0; h < 2; ++h) {
      const size_t b = 2 * k + h;
      int8_t* q = out[k].q + 32 * h;
      const float d = b < nb ? x[b].d : 0.f;
      for (int j = 0; j < 32; ++j) q[j] = static_cast<int8_t>((b < nb ? x[b].qs[j] : 0) ^ 0x80);
      for (int l = 0; l < 8; ++l) out[k].scale[8 * h + l] = d;
    }
  }
}

// acc[r][t] over all pairs, then y for the valid rows and inputs.
void Tile(const WeightPair* const w[kRows], const PackedPair* const x[kInputs], size_t n_pairs, float* y,
          size_t y_stride, size_t rows, size_t inputs) {
  __m512 acc[kRows][kInputs];
  for (auto& a : acc) {
    for (auto& v : a) v = _mm512_setzero_ps();
  }
  for (size_t k = 0; k < n_pairs; ++k) {
    __m512i wq[kRows], bias[kRows];
    __m512 ws[kRows];
    for (size_t r = 0; r < kRows; ++r) {
      wq[r] = _mm512_load_si512(w[r][k].p.q);
      ws[r] = _mm512_load_ps(w[r][k].p.scale);
      bias[r] = _mm512_load_si512(w[r][k].bias);
    }
    for (size_t t = 0; t < kInputs; ++t) {
      const __m512i xq = _mm512_load_si512(x[t][k].q);
      const __m512 xs = _mm512_load_ps(x[t][k].scale);
      for (size_t r = 0; r < kRows; ++r) {
        const __m512i s = _mm512_dpbusd_epi32(bias[r], xq, wq[r]);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(ws[r], xs), acc[r][t]);
      }
    }
  }
  for (size_t t = 0; t < inputs; ++t) {
    for (size_t r = 0; r < rows; ++r) y[t * y_stride + r] = _mm512_reduce_add_ps(acc[r][t]);
  }
}

}  // namespace

size_t GemmQ8Avx512PackedInputBytes(size_t n, size_t cols) {
  const size_t n_padded = (n + kInputs - 1) / kInputs * kInputs;
  return n_padded * ((cols / kQK + 1) / 2) * sizeof(PackedPair);
}

void GemmQ8Avx512PackInputs(const BlockQ8Act* xq, size_t n, size_t cols, void* packed) {
  const size_t nb = cols / kQK, n_pairs = (nb + 1) / 2;
  const size_t n_padded = (n + kInputs - 1) / kInputs * kInputs;
  PackedPair* xp = static_cast<PackedPair*>(packed);
  for (size_t i = 0; i < n_padded; ++i) {
    if (i < n) {
      PackInput(xq + i * nb, nb, n_pairs, xp + i * n_pairs);
    } else {
      for (size_t k = 0; k < n_pairs; ++k) {
        std::memset(xp[i * n_pairs + k].q, 0x80, 64);  // biased zero
        std::memset(xp[i * n_pairs + k].scale, 0, sizeof xp[i * n_pairs + k].scale);
      }
    }
  }
}

// Rows [r0, r1) of y = x · Wᵀ for n inputs packed by GemmQ8Avx512PackInputs (64-byte aligned).
void GemmQ8Avx512(const MatrixView& w, const void* packed, size_t n, float* y, size_t r0, size_t r1) {
  const size_t nb = w.cols / kQK, n_pairs = (nb + 1) / 2;
  const size_t n_padded = (n + kInputs - 1) / kInputs * kInputs;
  const PackedPair* xp = static_cast<const PackedPair*>(packed);
  std::vector<WeightPair> wp(kRowChunk * n_pairs);
  for (size_t c0 = r0; c0 < r1; c0 += kRowChunk) {
    const size_t c1 = std::min(r1, c0 + kRowChunk);
    const size_t chunk_rows = (c1 - c0 + kRows - 1) / kRows * kRows;
    for (size_t r = 0; r < chunk_rows; ++r) {
      if (c0 + r < c1) {
        PackWeightRow(w, c0 + r, n_pairs, wp.data() + r * n_pairs);
      } else {
        std::memset(static_cast<void*>(wp.data() + r * n_pairs), 0, n_pairs * sizeof(WeightPair));
      }
    }
    for (size_t i0 = 0; i0 < n_padded; i0 += kInputBlock) {
      const size_t i1 = std::min(n_padded, i0 + kInputBlock);
      for (size_t r = 0; r < chunk_rows; r += kRows) {
        const WeightPair* wr[kRows];
        for (size_t j = 0; j < kRows; ++j) wr[j] = wp.data() + (r + j) * n_pairs;
        const size_t valid_rows = std::min(kRows, c1 - std::min(c1, c0 + r));
        for (size_t i = i0; i < i1; i += kInputs) {
          const PackedPair* xr[kInputs];
          for (size_t j = 0; j < kInputs; ++j) xr[j] = xp + (i + j) * n_pairs;
          Tile(wr, xr, n_pairs, y + i * w.rows + c0 + r, w.rows, valid_rows, std::min(kInputs, n - std::min(n, i)));
        }
      }
    }
  }
}

}  // namespace gemmakit
