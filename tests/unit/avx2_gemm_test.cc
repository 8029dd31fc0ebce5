// The AVX2 matmul kernels (kernels/matmul/x86_avx2_gemm.cc), called directly wherever the CPU has
// AVX2, whatever GEMMAKIT_ISA lets the dispatcher pick: the Q8_0 / Q4_0 panel kernels against
// exact integer sums on adversarial blocks (every quant at ±127 / -128, where an unsigned-by-signed
// vpmaddubsw of the +128 panel bytes would saturate) and random ones, from panels repacked ahead
// and from rows repacked on the fly; the float32 GEMM and the bf16 decode kernel against
// MatMulReference for every weight type, on odd shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/gemm_panels.h"
#include "kernels/matmul/panels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

#if defined(__x86_64__) || defined(_M_X64)
namespace gemmakit {
namespace {

enum class Pattern { kRandom, kAllMax, kAllMin, kAlternating };

// Row-major blocks of `type` whose quants follow `pattern`; f16 scales random in [0.5, 1.5).
std::vector<uint8_t> MakeBlocks(DType type, size_t rows, size_t cols, Pattern pattern, std::mt19937& rng) {
  const size_t nb = rows * cols / kQK;
  std::vector<uint8_t> out(DTypeBytes(type, rows * cols));
  std::uniform_int_distribution<int> q8(-128, 127), q4(0, 15);
  std::uniform_real_distribution<float> scale(0.5f, 1.5f);
  for (size_t b = 0; b < nb; ++b) {
    auto quant = [&](size_t k) {
      switch (pattern) {
        case Pattern::kRandom: return type == DType::kQ8_0 ? q8(rng) : q4(rng);
        case Pattern::kAllMax: return type == DType::kQ8_0 ? 127 : 15;
        case Pattern::kAllMin: return type == DType::kQ8_0 ? -128 : 0;
        case Pattern::kAlternating: return k % 2 ? (type == DType::kQ8_0 ? 127 : 15) : (type == DType::kQ8_0 ? -128 : 0);
      }
      return 0;
    };
    if (type == DType::kQ8_0) {
      BlockQ8_0& blk = reinterpret_cast<BlockQ8_0*>(out.data())[b];
      blk.d = F32ToF16(scale(rng));
      for (size_t k = 0; k < kQK; ++k) blk.qs[k] = static_cast<int8_t>(quant(k));
    } else {
      BlockQ4_0& blk = reinterpret_cast<BlockQ4_0*>(out.data())[b];
      blk.d = F32ToF16(scale(rng));
      for (size_t j = 0; j < kQK / 2; ++j) blk.qs[j] = static_cast<uint8_t>(quant(j) | (quant(j + 16) << 4));
    }
  }
  return out;
}

// Σ over blocks of d_w · d_x · (exact integer dot), in double; `mag` gets Σ |terms|.
double ExactQ8(DType type, const uint8_t* row, const BlockQ8Act* x, size_t nb, double* mag) {
  double sum = 0;
  *mag = 0;
  for (size_t b = 0; b < nb; ++b) {
    int64_t dot = 0;
    float dw;
    if (type == DType::kQ8_0) {
      const BlockQ8_0& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
      dw = F16ToF32(blk.d);
      for (size_t k = 0; k < kQK; ++k) dot += blk.qs[k] * x[b].qs[k];
    } else {
      const BlockQ4_0& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
      dw = F16ToF32(blk.d);
      for (size_t j = 0; j < kQK / 2; ++j) {
        dot += ((blk.qs[j] & 15) - 8) * x[b].qs[j] + ((blk.qs[j] >> 4) - 8) * x[b].qs[j + 16];
      }
    }
    const double term = static_cast<double>(dw) * x[b].d * static_cast<double>(dot);
    sum += term;
    *mag += std::fabs(term);
  }
  return sum;
}

TEST(Avx2Gemm, Q8PanelsExactOnAdversarialAndRandomBlocks) {
  if (!CpuHas(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(5);
  for (DType type : {DType::kQ8_0, DType::kQ4_0}) {
    for (Pattern pattern : {Pattern::kRandom, Pattern::kAllMax, Pattern::kAllMin, Pattern::kAlternating}) {
      for (size_t rows : {1u, 7u, 9u, 16u, 23u, 40u}) {
        for (size_t cols : {32u, 96u, 4096u}) {
          const size_t nb = cols / kQK;
          const std::vector<uint8_t> blocks = MakeBlocks(type, rows, cols, pattern, rng);
          AlignedBytes packed = AlignedBytes::Allocate(PanelBytes(type, rows, cols));
          const MatrixView row_major{type, blocks.data(), rows, cols};
          PackPanelsPortable(row_major, packed.data.get(), 0, (rows + kPanelRows - 1) / kPanelRows);
          MatrixView panels_only{type, nullptr, rows, cols};
          panels_only.panels = packed.data.get();
          for (size_t n : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 17u}) {
            // Inputs of ±1 and 0 quantize to ±127 (the extremes the kernels must take).
            std::vector<float> x(n * cols);
            std::uniform_int_distribution<int> sign(0, 2);
            for (size_t i = 0; i < x.size(); ++i) {
              x[i] = pattern == Pattern::kRandom ? std::normal_distribution<float>(0.f, 1.f)(rng)
                                                 : (i % 5 == 0 ? 1.f : static_cast<float>(sign(rng) - 1));
            }
            std::vector<BlockQ8Act> xq(n * nb);
            for (size_t i = 0; i < n; ++i) QuantizeActivationsQ8(x.data() + i * cols, xq.data() + i * nb, cols);
            PackedInputsQ8 inputs;
            PackInputsQ8(xq.data(), n, cols, type, inputs);
            for (const MatrixView* w : {static_cast<const MatrixView*>(&panels_only), &row_major}) {
              std::vector<float> y(n * rows, NAN);
              GemmQ8Avx2(*w, inputs, n, y.data(), 0, rows);
              for (size_t i = 0; i < n; ++i) {
                for (size_t r = 0; r < rows; ++r) {
                  double mag;
                  const double want = ExactQ8(type, blocks.data() + r * DTypeBytes(type, cols), xq.data() + i * nb, nb, &mag);
                  ASSERT_NEAR(y[i * rows + r], want, 1.2e-7 * static_cast<double>(nb + 2) * mag + 1e-6)
                      << DTypeName(type) << " pattern " << static_cast<int>(pattern) << " rows=" << rows
                      << " cols=" << cols << " n=" << n << " row " << r << " input " << i
                      << (w->panels ? " (panels)" : " (repacked on the fly)");
                }
              }
            }
          }
        }
      }
    }
  }
}

// Weights of `type` from random floats, and their float32 values.
MatrixView MakeWeights(DType type, size_t rows, size_t cols, std::vector<uint8_t>& storage, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.f, 0.5f);
  std::vector<float> f(rows * cols);
  for (float& v : f) v = dist(rng);
  storage.resize(DTypeBytes(type, rows * cols));
  ConvertFromF32(type, f.data(), storage.data(), rows * cols);
  return MatrixView{type, storage.data(), rows, cols};
}

void ExpectMatchesReference(const MatrixView& w, const std::vector<float>& x, size_t n, const std::vector<float>& got,
                            const std::string& what) {
  std::vector<float> want(n * w.rows), row(w.cols);
  MatMulReference(x.data(), n, w, want.data());
  for (size_t r = 0; r < w.rows; ++r) {
    w.RowToF32(r, row.data());
    for (size_t i = 0; i < n; ++i) {
      double mag = 0;
      for (size_t c = 0; c < w.cols; ++c) mag += std::fabs(static_cast<double>(row[c]) * x[i * w.cols + c]);
      ASSERT_NEAR(got[i * w.rows + r], want[i * w.rows + r], 2e-6 * std::sqrt(static_cast<double>(w.cols)) * mag + 1e-6)
          << what << " row " << r << " input " << i;
    }
  }
}

TEST(Avx2Gemm, F32GemmMatchesReferenceForEveryWeightType) {
  if (!CpuHas(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(9);
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    const bool k_quant = IsQuantized(type);
    for (size_t rows : {1u, 9u, 17u, 70u, 130u}) {
      for (size_t cols : k_quant ? std::vector<size_t>{256, 768} : std::vector<size_t>{1, 31, 32, 257, 300, 4096}) {
        std::vector<uint8_t> storage;
        const MatrixView w = MakeWeights(type, rows, cols, storage, rng);
        for (size_t n : {4u, 5u, 6u, 7u, 13u, 17u}) {
          std::vector<float> x(n * cols);
          for (float& v : x) v = std::normal_distribution<float>(0.f, 1.f)(rng);
          std::vector<float> y(n * rows, NAN);
          GemmF32Avx2(w, x.data(), n, y.data(), 0, rows);
          ExpectMatchesReference(w, x, n, y,
                                 std::string(DTypeName(type)) + " rows=" + std::to_string(rows) +
                                     " cols=" + std::to_string(cols) + " n=" + std::to_string(n));
        }
      }
    }
  }
}

TEST(Avx2Gemm, BF16DecodeMatchesReference) {
  if (!CpuHas(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(13);
  for (size_t rows : {1u, 3u, 4u, 9u, 70u}) {
    for (size_t cols : {1u, 15u, 16u, 33u, 1152u, 4096u}) {
      std::vector<uint8_t> storage;
      const MatrixView w = MakeWeights(DType::kBF16, rows, cols, storage, rng);
      for (size_t n : {1u, 2u, 3u}) {
        std::vector<float> x(n * cols);
        for (float& v : x) v = std::normal_distribution<float>(0.f, 1.f)(rng);
        std::vector<float> y(n * rows, NAN);
        GemvBF16Avx2(w, x.data(), n, y.data(), 0, rows);
        ExpectMatchesReference(w, x, n, y, "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) +
                                               " n=" + std::to_string(n));
      }
    }
  }
}

}  // namespace
}  // namespace gemmakit
#endif
