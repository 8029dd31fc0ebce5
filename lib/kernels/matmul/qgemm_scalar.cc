// The scalar definitions of the integer micro-kernels (ukernels.h): per block, the exact integer
// dot product of the weight quants and the activation quants, scaled by both blocks' scales (plus,
// for Q5_1, the block's minimum times the activations' sum).
// Every ISA's micro-kernel is tested against these.
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

constexpr size_t kTile = 4;

// Element k (0..31) of a Q5_0 / Q5_1 block: its nibble (element j in the low nibble of byte j,
// j + 16 in the high one) and bit k of the little-endian 32-bit qh as the fifth bit, 0..31.
int Q5Quant(const uint8_t* qs, const uint8_t* qh, size_t k) {
  const int nibble = k < kQK / 2 ? qs[k] & 15 : qs[k - kQK / 2] >> 4;
  return nibble | (((qh[k / 8] >> (k % 8)) & 1) << 4);
}

// Σ over a block of the weight quant (Q4_0: nibble - 8, Q5_0: q - 16, Q5_1: q) times the
// activation quant.
int32_t BlockDot(DType type, const uint8_t* block, const BlockQ8Act& x) {
  int32_t sum = 0;
  if (type == DType::kQ8_0) {
    const auto* b = reinterpret_cast<const BlockQ8_0*>(block);
    for (size_t k = 0; k < kQK; ++k) sum += b->qs[k] * x.qs[k];
  } else if (type == DType::kQ4_0) {
    const auto* b = reinterpret_cast<const BlockQ4_0*>(block);
    for (size_t j = 0; j < kQK / 2; ++j) {
      sum += ((b->qs[j] & 15) - 8) * x.qs[j] + ((b->qs[j] >> 4) - 8) * x.qs[j + kQK / 2];
    }
  } else if (type == DType::kQ5_0) {
    const auto* b = reinterpret_cast<const BlockQ5_0*>(block);
    for (size_t k = 0; k < kQK; ++k) sum += (Q5Quant(b->qs, b->qh, k) - 16) * x.qs[k];
  } else {
    const auto* b = reinterpret_cast<const BlockQ5_1*>(block);
    for (size_t k = 0; k < kQK; ++k) sum += Q5Quant(b->qs, b->qh, k) * x.qs[k];
  }
  return sum;
}

// Q5_1's minimum term of a block, m · d_x · Σ x_q: y = Σ (d · q + m) · d_x · x_q. Σ x_q from the
// bytes (BlockQ8Act::dsum holds d_x times it, which the SIMD kernels use).
float MinTerm(DType type, const uint8_t* block, const BlockQ8Act& x) {
  if (type != DType::kQ5_1) return 0.f;
  int32_t sum = 0;
  for (size_t k = 0; k < kQK; ++k) sum += x.qs[k];
  return F16ToF32(reinterpret_cast<const BlockQ5_1*>(block)->m) * x.d * static_cast<float>(sum);
}

template <DType kType>
void GemmScalar(const uint8_t* w, size_t w_stride, size_t rows, const void* x, size_t n, size_t nb, float* y,
                size_t ldy) {
  const size_t block_bytes = DTypeBytes(kType, kQK);
  const auto* xb = static_cast<const BlockQ8Act*>(x);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = 0; r < rows; ++r) {
      float acc = 0.f;
      for (size_t b = 0; b < nb; ++b) {
        const uint8_t* block = w + r * w_stride + b * block_bytes;
        uint16_t d;
        std::memcpy(&d, block, 2);
        acc += F16ToF32(d) * xb[i * nb + b].d * static_cast<float>(BlockDot(kType, block, xb[i * nb + b])) +
               MinTerm(kType, block, xb[i * nb + b]);
      }
      y[i * ldy + r] = acc;
    }
  }
}

}  // namespace

extern const QGemmUkernel kQ8_0Q8_0Gemm4x4Scalar = {"q8_0_q8_0_gemm_4x4__scalar", DType::kQ8_0, ActQuant::kQ8_0,
                                                    Isa::kScalar, kTile, kTile, GemmScalar<DType::kQ8_0>};
extern const QGemmUkernel kQ4_0Q8_0Gemm4x4Scalar = {"q4_0_q8_0_gemm_4x4__scalar", DType::kQ4_0, ActQuant::kQ8_0,
                                                    Isa::kScalar, kTile, kTile, GemmScalar<DType::kQ4_0>};
extern const QGemmUkernel kQ5_0Q8_0Gemm4x4Scalar = {"q5_0_q8_0_gemm_4x4__scalar", DType::kQ5_0, ActQuant::kQ8_0,
                                                    Isa::kScalar, kTile, kTile, GemmScalar<DType::kQ5_0>};
extern const QGemmUkernel kQ5_1Q8_0Gemm4x4Scalar = {"q5_1_q8_0_gemm_4x4__scalar", DType::kQ5_1, ActQuant::kQ8_0,
                                                    Isa::kScalar, kTile, kTile, GemmScalar<DType::kQ5_1>};

}  // namespace gemmakit
