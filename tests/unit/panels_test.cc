// Matrices repacked into panels (kernels/matmul/panels.h: Q8_0 / Q4_0 for AVX-512, their 8-row
// panels for the AVX2 tier, run under GEMMAKIT_ISA=avx2 / avxvnni by ctest, Q5_0, Q4_K and Q6_K's
// 8-row panels on both): the layout round-trips
// exactly, and the kernels that read it give the same products as the row-major kernels (the
// integer sums are identical; only the float summation order differs). Also the bf16-input GEMM
// against exact math on bf16-rounded inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/bf16_gemm.h"
#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/matmul_table.h"
#include "kernels/matmul/panels.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

std::vector<float> Random(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// |a - b| per output, against the size of the terms summed into it.
void ExpectClose(const std::vector<float>& got, const std::vector<float>& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.0 + std::fabs(want[i]))) << what << " output " << i;
  }
}

class Panels : public ::testing::TestWithParam<DType> {};

TEST_P(Panels, RoundTripAndSameProductsAsRowMajor) {
  const DType type = GetParam();
  if (!PanelsAvailable(type)) GTEST_SKIP() << "no panel kernels on this CPU";
  ThreadPool pool(2);
  for (size_t rows : {16u, 37u, 100u}) {
    // Whole blocks: K-quant rows are super-blocks of 256.
    const bool k_quant = DTypeBlockElems(type) == 256;
    for (size_t cols : k_quant ? std::vector<size_t>{256, 768, 2560} : std::vector<size_t>{32, 160, 1152}) {
      std::vector<uint8_t> stored(DTypeBytes(type, rows * cols));
      ConvertFromF32(type, Random(rows * cols, 3, 0.05f).data(), stored.data(), rows * cols);
      const MatrixView row_major{type, stored.data(), rows, cols};
      AlignedBytes packed = AlignedBytes::Allocate(PanelBytes(type, rows, cols));
      PackPanels(row_major, packed.data.get(), &pool);
      MatrixView panels_only{type, nullptr, rows, cols};
      panels_only.panels = packed.data.get();

      std::vector<uint8_t> back(stored.size());
      const size_t row_bytes = DTypeBytes(type, cols);
      for (size_t r = 0; r < rows; ++r) panels_only.RowBytes(r, back.data() + r * row_bytes);
      ASSERT_EQ(std::memcmp(back.data(), stored.data(), stored.size()), 0) << "rows=" << rows << " cols=" << cols;

      for (size_t n : {1u, 2u, 3u, 4u, 5u, 17u}) {
        const auto x = Random(n * cols, 7 + static_cast<uint32_t>(n), 1.f);
        std::vector<float> want(n * rows), serial(n * rows, NAN), threaded(n * rows, NAN);
        MatMul(x.data(), n, row_major, want.data(), nullptr);
        MatMul(x.data(), n, panels_only, serial.data(), nullptr);
        MatMul(x.data(), n, panels_only, threaded.data(), &pool);
        const std::string what = std::string(DTypeName(type)) + " rows=" + std::to_string(rows) +
                                 " cols=" + std::to_string(cols) + " n=" + std::to_string(n);
        ExpectClose(serial, want, 1e-5, what + " serial");
        ExpectClose(threaded, want, 1e-5, what + " threaded");
        // Prompts on the affine u8 panels unpack the same values from the panels as from the
        // blocks (Q5_0's straight from its 8-row panels on AVX-512): the same floats, to the bit.
        if (FindMatMulPlan(MatMulIsa(), type, n).path == MatMulPath::kU8Panels) {
          for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(serial[i], want[i]) << what << " output " << i;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Types, Panels, ::testing::Values(DType::kQ8_0, DType::kQ4_0, DType::kQ5_0, DType::kQ4_K,
                                                            DType::kQ6_K),
                         [](const ::testing::TestParamInfo<DType>& info) { return std::string(DTypeName(info.param)); });

TEST(BF16Inputs, EqualExactMathOnRoundedInputs) {
  if (!CpuHasAvx512Bf16()) GTEST_SKIP() << "no AVX512_BF16 on this CPU";
  ThreadPool pool(2);
  for (size_t rows : {5u, 20u, 33u, 64u, 100u}) {
    for (size_t cols : {7u, 64u, 1152u, 1153u}) {
      std::vector<uint16_t> w16(rows * cols);
      const auto wf = Random(rows * cols, 11, 0.05f);
      for (size_t i = 0; i < w16.size(); ++i) w16[i] = F32ToBF16(wf[i]);
      const MatrixView w{DType::kBF16, w16.data(), rows, cols};
      for (size_t n : {4u, 9u, 23u}) {
        const auto x = Random(n * cols, 13, 1.f);
        std::vector<float> rounded(x.size());
        for (size_t i = 0; i < x.size(); ++i) rounded[i] = BF16ToF32(F32ToBF16(x[i]));
        std::vector<float> want(n * rows), got(n * rows, NAN), exact(n * rows);
        MatMulReference(rounded.data(), n, w, want.data());
        MatMulReference(x.data(), n, w, exact.data());
        MatMulOptions options;
        options.bf16_inputs = true;
        MatMul(x.data(), n, w, got.data(), &pool, options);
        ExpectClose(got, want, 1e-5 * std::sqrt(static_cast<double>(cols)), "bf16 inputs");
        // And the rounding is really there: a product with bf16 inputs is not the float32 one.
        double diff = 0;
        for (size_t i = 0; i < got.size(); ++i) diff = std::max(diff, std::fabs(static_cast<double>(got[i]) - exact[i]));
        if (cols > 7) {
          EXPECT_GT(diff, 0.0) << "rows=" << rows << " cols=" << cols;
        }
      }
    }
  }
}

// BF16 weights repacked at load (Precision::kFast): the panels give back the stored rows, and
// every batch size, decode's 1 to 3 included, equals exact math on bf16-rounded inputs.
TEST(BF16Gemm, RepackedWeightsRoundTripAndMatchRoundedMath) {
  if (!HasFastBF16Gemm()) GTEST_SKIP() << "no AVX512_BF16 on this CPU";
  ThreadPool pool(2);
  for (size_t rows : {16u, 37u, 300u}) {
    for (size_t cols : {7u, 160u, 1152u}) {
      std::vector<uint16_t> stored(rows * cols);
      const auto wf = Random(rows * cols, 31, 0.05f);
      for (size_t i = 0; i < stored.size(); ++i) stored[i] = F32ToBF16(wf[i]);
      const MatrixView row_major{DType::kBF16, stored.data(), rows, cols};
      AlignedBytes packed = AlignedBytes::Allocate(PanelBytes(DType::kBF16, rows, cols));
      PackPanels(row_major, packed.data.get(), &pool);
      MatrixView panels_only{DType::kBF16, nullptr, rows, cols};
      panels_only.panels = packed.data.get();
      std::vector<uint16_t> back(stored.size());
      for (size_t r = 0; r < rows; ++r) panels_only.RowBytes(r, back.data() + r * cols);
      ASSERT_EQ(back, stored) << "rows=" << rows << " cols=" << cols;
      for (size_t n : {1u, 2u, 3u, 4u, 13u}) {
        const auto x = Random(n * cols, 41 + static_cast<uint32_t>(n), 1.f);
        std::vector<float> rounded(x.size());
        for (size_t i = 0; i < x.size(); ++i) rounded[i] = BF16ToF32(F32ToBF16(x[i]));
        std::vector<float> want(n * rows), serial(n * rows, NAN), threaded(n * rows, NAN);
        MatMulReference(rounded.data(), n, row_major, want.data());
        MatMul(x.data(), n, panels_only, serial.data(), nullptr);
        MatMul(x.data(), n, panels_only, threaded.data(), &pool);
        const std::string what = "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) + " n=" + std::to_string(n);
        ExpectClose(serial, want, 1e-5 * std::sqrt(static_cast<double>(cols)), what + " serial");
        ExpectClose(threaded, want, 1e-5 * std::sqrt(static_cast<double>(cols)), what + " threaded");
      }
    }
  }
}

// Packing bf16 rows (the SIMD transpose where the CPU has it) gives the words packing the same
// values from float32 does, for partial panels, odd columns and tails of column-pair blocks.
TEST(BF16Gemm, PackingBF16RowsMatchesPackingTheirFloats) {
  for (size_t rows : {1u, 16u, 21u, 48u}) {
    for (size_t cols : {1u, 2u, 31u, 32u, 33u, 64u, 1153u}) {
      const auto f = Random(rows * cols, 23, 1.f);
      std::vector<uint16_t> b(f.size());
      std::vector<float> exact(f.size());
      for (size_t i = 0; i < f.size(); ++i) exact[i] = BF16ToF32(b[i] = F32ToBF16(f[i]));
      BF16Panels from_bf16, from_f32;
      from_bf16.words.assign(7, 0xdeadbeef);  // reused buffers must not leak old words
      PackPanelsFromBF16(b.data(), rows, cols, from_bf16);
      PackPanelsFromF32(exact.data(), rows, cols, cols, 1, from_f32);
      ASSERT_EQ(from_bf16.pairs, from_f32.pairs);
      ASSERT_EQ(from_bf16.words, from_f32.words) << "rows=" << rows << " cols=" << cols;
    }
  }
}

// The packed bf16 GEMM on its own, with a transposed source (how attention packs Vᵀ): every
// register tile shape (1 to 4 panels, partial input groups, several column blocks) against the
// products of the rounded values summed in double.
TEST(BF16Gemm, PackedTransposedSourceMatchesRoundedProducts) {
  for (size_t rows : {8u, 16u, 40u, 72u, 130u}) {
    for (size_t cols : {1u, 36u, 1100u}) {
      const auto src = Random(cols * rows, 21, 0.5f);  // [cols][rows]: element (r, c) at src[c * rows + r]
      BF16Panels panels;
      PackPanelsFromF32(src.data(), rows, cols, 1, rows, panels);
      for (size_t n : {1u, 6u, 13u}) {
        const auto x = Random(n * (cols + 3), 22, 1.f);  // rows 3 floats apart past their end
        std::vector<uint32_t> packed(n * BF16Pairs(cols));
        PackInputPairs(x.data(), n, cols, cols + 3, packed.data());
        const size_t ldy = rows + 5;
        std::vector<float> got(n * ldy, -7.f), ref(n * ldy, -7.f);
        GemmBF16(panels.view(), 0, panels.n_panels(), packed.data(), n, got.data(), ldy);
        GemmBF16Reference(panels.view(), 0, panels.n_panels(), packed.data(), n, ref.data(), ldy);
        for (size_t i = 0; i < n; ++i) {
          for (size_t r = 0; r < ldy; ++r) {
            if (r >= rows) {
              ASSERT_EQ(got[i * ldy + r], -7.f) << "wrote past the rows";
              continue;
            }
            double want = 0;
            for (size_t c = 0; c < cols; ++c) {
              want += static_cast<double>(BF16ToF32(F32ToBF16(src[c * rows + r]))) *
                      BF16ToF32(F32ToBF16(x[i * (cols + 3) + c]));
            }
            const double tol = 1e-5 * std::sqrt(static_cast<double>(cols)) + 1e-6;
            ASSERT_NEAR(got[i * ldy + r], want, tol) << "rows=" << rows << " cols=" << cols << " n=" << n;
            ASSERT_NEAR(ref[i * ldy + r], want, tol);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace gemmakit
