// The x86 float matmul kernels (kernels/matmul/x86_avx2_gemm.cc, x86_avx512_f32_gemm.cc), called
// directly wherever the CPU has the instructions, whatever GEMMAKIT_ISA lets the dispatcher pick: the
// float32 GEMM (AVX2 and AVX-512) and the bf16 decode kernel against MatMulReference for every weight
// type, on odd shapes. (The Q8_0 / Q4_0 micro-kernels: qgemm_ukernels_test.cc.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/gemm_panels.h"

#if defined(__x86_64__) || defined(_M_X64)
namespace gemmakit {
namespace {

// Weights of `type` from random floats, and their float32 values.
MatrixView MakeWeights(DType type, size_t rows, size_t cols, std::vector<uint8_t>& storage, std::mt19937& rng) {
  std::normal_distribution<float> dist(0.f, 0.5f);
  std::vector<float> f(rows * cols);
  for (float& v : f) v = dist(rng);
  storage.resize(DTypeBytes(type, rows * cols));
  ConvertFromF32(type, f.data(), storage.data(), rows * cols);
  return MatrixView{type, storage.data(), rows, cols};
}

// The inputs as the float32 GEMM takes them.
std::vector<float> Interleaved(const std::vector<float>& x, size_t n, size_t cols, size_t group) {
  std::vector<float> out(InterleavedF32InputFloats(n, cols, group));
  InterleaveF32Inputs(x.data(), n, cols, group, out.data(), 0, (n + group - 1) / group);
  return out;
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

// Every element where the layout says, padding slots repeating the group's last input, for group
// sizes that take the 4-wide, the 2-wide and the one-at-a-time paths, odd columns, and groups
// written one task at a time.
TEST(F32GemmInputs, InterleaveIsTheLayoutTheGemmReads) {
  std::mt19937 rng(5);
  for (size_t group : {1u, 2u, 5u, 6u, 7u, 12u}) {
    for (size_t cols : {1u, 3u, 4u, 9u, 257u}) {
      for (size_t n : {1u, 5u, 6u, 13u, 25u}) {
        std::vector<float> x(n * cols);
        for (float& v : x) v = std::normal_distribution<float>(0.f, 1.f)(rng);
        const size_t groups = (n + group - 1) / group;
        std::vector<float> out(InterleavedF32InputFloats(n, cols, group), NAN);
        ASSERT_EQ(out.size(), groups * group * cols);
        for (size_t g = 0; g < groups; ++g) InterleaveF32Inputs(x.data(), n, cols, group, out.data(), g, g + 1);
        for (size_t g = 0; g < groups; ++g) {
          for (size_t k = 0; k < cols; ++k) {
            for (size_t t = 0; t < group; ++t) {
              const size_t i = std::min(g * group + t, n - 1);
              ASSERT_EQ(out[(g * cols + k) * group + t], x[i * cols + k])
                  << "group=" << group << " cols=" << cols << " n=" << n << " g=" << g << " k=" << k << " t=" << t;
            }
          }
        }
      }
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
          GemmF32Avx2(w, Interleaved(x, n, cols, kF32GemmInputsAvx2).data(), n, y.data(), 0, rows);
          ExpectMatchesReference(w, x, n, y,
                                 std::string(DTypeName(type)) + " rows=" + std::to_string(rows) +
                                     " cols=" + std::to_string(cols) + " n=" + std::to_string(n));
        }
      }
    }
  }
}

// The zmm GEMM sums in the AVX2 one's order: the same bits, for every weight type and tile edge.
TEST(Avx512Gemm, F32GemmEqualsAvx2GemmToTheBit) {
  if (!CpuHas(Isa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU";
  std::mt19937 rng(11);
  for (DType type : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ4_K, DType::kQ6_K}) {
    const bool k_quant = IsQuantized(type);
    for (size_t rows : {1u, 9u, 17u, 33u, 70u, 130u}) {
      for (size_t cols : k_quant ? std::vector<size_t>{256, 768} : std::vector<size_t>{1, 31, 257, 300, 1152}) {
        std::vector<uint8_t> storage;
        const MatrixView w = MakeWeights(type, rows, cols, storage, rng);
        for (size_t n : {4u, 7u, 8u, 9u, 17u, 25u}) {
          std::vector<float> x(n * cols);
          for (float& v : x) v = std::normal_distribution<float>(0.f, 1.f)(rng);
          std::vector<float> want(n * rows, NAN), got(n * rows, NAN);
          GemmF32Avx2(w, Interleaved(x, n, cols, kF32GemmInputsAvx2).data(), n, want.data(), 0, rows);
          // Rows [r0, r1) as a task gets them: a split off the 16-row panels.
          const size_t split = rows > 40 ? 40 : 0;
          const std::vector<float> xi = Interleaved(x, n, cols, kF32GemmInputsAvx512);
          if (split) GemmF32Avx512(w, xi.data(), n, got.data(), 0, split);
          GemmF32Avx512(w, xi.data(), n, got.data(), split, rows);
          for (size_t j = 0; j < want.size(); ++j) {
            ASSERT_EQ(got[j], want[j]) << DTypeName(type) << " rows=" << rows << " cols=" << cols << " n=" << n
                                       << " output " << j;
          }
        }
      }
    }
  }
}

TEST(Avx2Gemm, BF16DecodeMatchesReference) {
  if (!CpuHas(Isa::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  std::mt19937 rng(13);
  for (size_t rows : {1u, 3u, 4u, 9u, 70u}) {
    // Past 4096 columns one input takes two rows at a time (4097: a column tail; 6912: Gemma 3 1B's
    // down projection).
    for (size_t cols : {1u, 15u, 16u, 33u, 48u, 1152u, 4096u, 4097u, 6912u}) {
      std::vector<uint8_t> storage;
      const MatrixView w = MakeWeights(DType::kBF16, rows, cols, storage, rng);
      for (size_t n : {1u, 2u, 3u, 4u, 7u}) {
        std::vector<float> x(n * cols);
        for (float& v : x) v = std::normal_distribution<float>(0.f, 1.f)(rng);
        std::vector<float> y(n * rows, NAN);
        GemvBF16Avx2(w, x.data(), n, y.data(), 0, rows);
        ExpectMatchesReference(w, x, n, y, "rows=" + std::to_string(rows) + " cols=" + std::to_string(cols) +
                                               " n=" + std::to_string(n));
        if (n != 2) continue;
        // A row's result is the same to the bit whatever shares its pass: alone (in pairs of rows,
        // split at an odd row) or beside a second input.
        std::vector<float> alone(rows, NAN);
        const size_t split = std::min<size_t>(rows, 3);
        GemvBF16Avx2(w, x.data(), 1, alone.data(), 0, split);
        GemvBF16Avx2(w, x.data(), 1, alone.data(), split, rows);
        for (size_t r = 0; r < rows; ++r) {
          ASSERT_EQ(alone[r], y[r]) << "rows=" << rows << " cols=" << cols << " row " << r;
        }
      }
    }
  }
}

}  // namespace
}  // namespace gemmakit
#endif
