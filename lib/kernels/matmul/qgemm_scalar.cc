// The scalar definitions of the integer micro-kernels (ukernels.h): per block, the exact integer
// dot product of the weight quants and the activation quants, scaled by both blocks' scales.
// Every ISA's micro-kernel is tested against these.
#include <cstring>

#include "kernels/dtype.h"
#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

constexpr size_t kTile = 4;

// Σ over a block of the weight quant (Q4_0: nibble - 8) times the activation quant.
int32_t BlockDot(DType type, const uint8_t* block, const BlockQ8Act& x) {
  int32_t sum = 0;
  if (type == DType::kQ8_0) {
    const auto* b = reinterpret_cast<const BlockQ8_0*>(block);
    for (size_t k = 0; k < kQK; ++k) sum += b->qs[k] * x.qs[k];
  } else {
    const auto* b = reinterpret_cast<const BlockQ4_0*>(block);
    for (size_t j = 0; j < kQK / 2; ++j) {
      sum += ((b->qs[j] & 15) - 8) * x.qs[j] + ((b->qs[j] >> 4) - 8) * x.qs[j + kQK / 2];
    }
  }
  return sum;
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
        acc += F16ToF32(d) * xb[i * nb + b].d * static_cast<float>(BlockDot(kType, block, xb[i * nb + b]));
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

}  // namespace gemmakit
