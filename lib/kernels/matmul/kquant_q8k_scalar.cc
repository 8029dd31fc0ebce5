// The scalar K-quant × Q8_K32 micro-kernels: the definition every SIMD variant is tested against.
// Per 32-value sub-block j of a super-block, the integer sums are exact; the float part is
//   y += d_w · Σ_j d_x,j · scale_j · Σ_{k∈j} q_w,k · q_x,k  −  dmin_w · Σ_j d_x,j · min_j · Σ_{k∈j} q_x,k
// (Q4_K, Q5_K), or y += d_w · Σ_j d_x,j · Σ_{g∈j} scale_g · Σ_{k∈g} (q_w,k − 32) · q_x,k (Q6_K: groups
// of 16 with their own scales).
#include <cstdint>
#include <iterator>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul/kquant_q8k.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

// Value k (0..255) of a Q4_K / Q5_K super-block without its fifth bit: sub-block j = k / 32 sits in
// the low (j even) or high (j odd) nibbles of bytes 32 · (j / 2) to 32 · (j / 2) + 31.
int LowBitsK4(const uint8_t* qs, int k) {
  const int j = k / 32, l = k % 32;
  return (qs[32 * (j / 2) + l] >> (4 * (j % 2))) & 0xF;
}

// Q4_K, and Q5_K with its fifth bit: value k's is bit j = k / 32 of qh[k % 32].
template <typename Block, bool kFifthBit>
float DotK4(const Block* w, const BlockQ8K32* x, size_t nb) {
  float acc = 0.f;
  for (size_t b = 0; b < nb; ++b) {
    float sum = 0.f, sum_mins = 0.f;
    for (int j = 0; j < 8; ++j) {
      uint8_t sc, m;
      UnpackScaleMinK4(j, w[b].scales, &sc, &m);
      int32_t s = 0;
      for (int k = 32 * j; k < 32 * j + 32; ++k) {
        int value = LowBitsK4(w[b].qs, k);
        if constexpr (kFifthBit) value += 16 * ((w[b].qh[k % 32] >> j) & 1);
        s += value * x[b].qs[k];
      }
      sum += x[b].d[j] * static_cast<float>(sc * s);
      sum_mins += x[b].d[j] * static_cast<float>(m * (x[b].bsums[2 * j] + x[b].bsums[2 * j + 1]));
    }
    acc += F16ToF32(w[b].d) * sum - F16ToF32(w[b].dmin) * sum_mins;
  }
  return acc;
}

// Value k (0..255) of a Q6_K super-block, 0..63 (the stored value, before the -32): in each half
// of 128, quarter q = (k % 128) / 32 takes the low (q < 2) or high nibble of ql[64 · half + 32 · (q % 2) + l]
// and bits 2q, 2q + 1 of qh[32 · half + l], l = k % 32.
int ValueQ6K(const BlockQ6_K& w, int k) {
  const int half = k / 128, q = (k % 128) / 32, l = k % 32;
  const int low = (w.ql[64 * half + 32 * (q % 2) + l] >> (4 * (q / 2))) & 0xF;
  const int high = (w.qh[32 * half + l] >> (2 * q)) & 3;
  return low | (high << 4);
}

float DotQ6K(const BlockQ6_K* w, const BlockQ8K32* x, size_t nb) {
  float acc = 0.f;
  for (size_t b = 0; b < nb; ++b) {
    float sum = 0.f;
    for (int j = 0; j < 8; ++j) {
      int32_t s = 0;
      for (int g = 2 * j; g < 2 * j + 2; ++g) {
        int32_t sg = 0;
        for (int k = 16 * g; k < 16 * g + 16; ++k) sg += (ValueQ6K(w[b], k) - 32) * x[b].qs[k];
        s += w[b].scales[g] * sg;
      }
      sum += x[b].d[j] * static_cast<float>(s);
    }
    acc += F16ToF32(w[b].d) * sum;
  }
  return acc;
}

template <typename Block, float (*Dot)(const Block*, const BlockQ8K32*, size_t)>
void GemmScalar(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb, float* y,
                size_t ldy) {
  const BlockQ8K32* xq = static_cast<const BlockQ8K32*>(x);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = 0; r < rows; ++r) {
      y[i * ldy + r] = Dot(reinterpret_cast<const Block*>(w + r * w_stride), xq + i * nb, nb);
    }
  }
}

// The SIMD entries after the scalar ones, built once.
struct Table {
  std::vector<QGemmUkernel> entries;
  Table() {
    const QGemmUkernel scalar[] = {
        {"q4_k_q8_k32_gemm_4x4__scalar", DType::kQ4_K, ActQuant::kQ8_K32, Isa::kScalar, 4, 4, GemmScalar<BlockQ4_K, DotK4<BlockQ4_K, false>>},
        {"q5_k_q8_k32_gemm_4x4__scalar", DType::kQ5_K, ActQuant::kQ8_K32, Isa::kScalar, 4, 4, GemmScalar<BlockQ5_K, DotK4<BlockQ5_K, true>>},
        {"q6_k_q8_k32_gemm_4x4__scalar", DType::kQ6_K, ActQuant::kQ8_K32, Isa::kScalar, 4, 4, GemmScalar<BlockQ6_K, DotQ6K>},
    };
    entries.assign(std::begin(scalar), std::end(scalar));
    size_t simd_count = 0;
    const QGemmUkernel* simd = KQuantUkernelsX86(&simd_count);
    entries.insert(entries.end(), simd, simd + simd_count);
  }
};

}  // namespace

#if !defined(__x86_64__) && !defined(_M_X64)
const QGemmUkernel* KQuantUkernelsX86(size_t* count) {
  *count = 0;
  return nullptr;
}
#endif

const QGemmUkernel* KQuantUkernels(size_t* count) {
  static const Table table;
  *count = table.entries.size();
  return table.entries.data();
}

}  // namespace gemmakit
