// Block quantization round trips, and every ISA's dot kernels against the scalar table.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/dot_kernels.h"
#include "kernels/matmul/matmul_table.h"
#include "kernels/quant/activation_q8.h"

namespace gemmakit {
namespace {

std::vector<float> RandomVector(size_t n, uint32_t seed, float scale = 1.f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

double RelativeRms(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (a[i] - b[i]) * static_cast<double>(a[i] - b[i]);
    den += a[i] * static_cast<double>(a[i]);
  }
  return std::sqrt(num / den);
}

struct RoundTripCase {
  DType type;
  double max_relative_rms;  // what a 4, 5, 6 or 8-bit grid can reach on Gaussian data
};

class QuantRoundTrip : public ::testing::TestWithParam<RoundTripCase> {};

TEST_P(QuantRoundTrip, ErrorIsWithinTheGridsResolution) {
  const auto [type, bound] = GetParam();
  const size_t n = 256 * 12;
  const auto x = RandomVector(n, 42, 0.05f);
  std::vector<uint8_t> q(DTypeBytes(type, n));
  ConvertFromF32(type, x.data(), q.data(), n);
  std::vector<float> back(n);
  ConvertToF32(type, q.data(), back.data(), n);
  EXPECT_LT(RelativeRms(x, back), bound) << DTypeName(type);
  // All-zero input stays zero (no NaN from a zero scale).
  std::vector<float> zeros(n, 0.f);
  ConvertFromF32(type, zeros.data(), q.data(), n);
  ConvertToF32(type, q.data(), back.data(), n);
  for (float v : back) ASSERT_EQ(v, 0.f);
}

INSTANTIATE_TEST_SUITE_P(Types, QuantRoundTrip,
                         ::testing::Values(RoundTripCase{DType::kQ8_0, 0.01}, RoundTripCase{DType::kQ4_0, 0.15},
                                           RoundTripCase{DType::kQ4_K, 0.12}, RoundTripCase{DType::kQ5_K, 0.06},
                                           RoundTripCase{DType::kQ6_K, 0.04}, RoundTripCase{DType::kQ4_1, 0.15},
                                           RoundTripCase{DType::kQ5_0, 0.08}, RoundTripCase{DType::kQ5_1, 0.06},
                                           RoundTripCase{DType::kIQ4_NL, 0.12}, RoundTripCase{DType::kIQ4_XS, 0.12},
                                           RoundTripCase{DType::kQ2_K, 0.45}, RoundTripCase{DType::kQ3_K, 0.25}),
                         [](const auto& info) { return std::string(DTypeName(info.param.type)); });

TEST(Quant, Q8_0MatchesTheGgmlReferenceRounding) {
  // amax/127 scale, round-to-nearest codes: a value of exactly ±amax maps to ±127.
  std::vector<float> x(32);
  for (int i = 0; i < 32; ++i) x[i] = static_cast<float>(i - 16) / 8.f;
  std::vector<uint8_t> q(DTypeBytes(DType::kQ8_0, 32));
  ConvertFromF32(DType::kQ8_0, x.data(), q.data(), 32);
  const int8_t* codes = reinterpret_cast<const int8_t*>(q.data() + 2);
  EXPECT_EQ(codes[0], -127);
  EXPECT_EQ(codes[16], 0);
  EXPECT_EQ(codes[24], 64);  // 1.0 / (2.0 / 127) = 63.5 rounds away from zero
}

// Two-term activations (hi + lo) cut the activations' share of a Q8_0 / Q4_0 dot product's error
// by about 127×: the products of both terms with the weights, summed, against float32 math on
// the dequantized weights.
TEST(Quant, SplitActivationsAreAboutAHundredTimesCloser) {
  const size_t nb = 37, n = nb * 32;
  auto x = RandomVector(n, 11);
  x[5] = 40.f;  // an outlier sets its block's scale, as Gemma's residual stream has them
  const auto w = RandomVector(n, 12, 0.05f);
  std::vector<uint8_t> q8(DTypeBytes(DType::kQ8_0, n)), q4(DTypeBytes(DType::kQ4_0, n));
  ConvertFromF32(DType::kQ8_0, w.data(), q8.data(), n);
  ConvertFromF32(DType::kQ4_0, w.data(), q4.data(), n);
  std::vector<BlockQ8Act> one(nb), hi(nb), lo(nb);
  QuantizeActivationsQ8(x.data(), one.data(), n);
  QuantizeActivationsQ8Split(x.data(), hi.data(), lo.data(), n);
  for (size_t b = 0; b < nb; ++b) {  // the first term is the plain quantization
    EXPECT_EQ(hi[b].d, one[b].d);
    EXPECT_EQ(std::memcmp(hi[b].qs, one[b].qs, 32), 0);
  }
  const DotKernels& k = ScalarDotKernels();
  for (DType type : {DType::kQ8_0, DType::kQ4_0}) {
    const uint8_t* q = type == DType::kQ8_0 ? q8.data() : q4.data();
    std::vector<float> deq(n);
    ConvertToF32(type, q, deq.data(), n);
    double exact = 0, mag = 0;
    for (size_t i = 0; i < n; ++i) {
      exact += static_cast<double>(deq[i]) * x[i];
      mag += std::fabs(static_cast<double>(deq[i]) * x[i]);
    }
    auto dot = [&](const std::vector<BlockQ8Act>& a) {
      return type == DType::kQ8_0 ? k.q8_0(reinterpret_cast<const BlockQ8_0*>(q), a.data(), nb)
                                  : k.q4_0(reinterpret_cast<const BlockQ4_0*>(q), a.data(), nb);
    };
    const double err_one = std::fabs(dot(one) - exact), err_split = std::fabs(dot(hi) + dot(lo) - exact);
    EXPECT_LT(err_split, err_one / 30) << DTypeName(type);
    EXPECT_LT(err_split, 1e-5 * mag) << DTypeName(type);
  }
}

TEST(Quant, ParseDTypeNames) {
  DType t;
  ASSERT_TRUE(ParseDType("q4_k", &t));
  EXPECT_EQ(t, DType::kQ4_K);
  ASSERT_TRUE(ParseDType("BF16", &t));
  EXPECT_EQ(t, DType::kBF16);
  ASSERT_TRUE(ParseDType("iq4_xs", &t));
  EXPECT_EQ(t, DType::kIQ4_XS);
  ASSERT_TRUE(ParseDType("Q3_K", &t));
  EXPECT_EQ(t, DType::kQ3_K);
  EXPECT_FALSE(ParseDType("q3_k_m", &t));  // a preset, not a type
  EXPECT_FALSE(ParseDType("q7_k", &t));
  EXPECT_FALSE(ParseDType("", &t));
}

std::vector<const DotKernels*> AllTables() {
  std::vector<const DotKernels*> t = {&ScalarDotKernels()};
  if (Avx2DotKernels()) t.push_back(Avx2DotKernels());
  if (Avx512DotKernels()) t.push_back(Avx512DotKernels());
  if (NeonDotKernels()) t.push_back(NeonDotKernels());
  return t;
}

TEST(DotKernels, EveryIsaAgreesWithScalarOnOddLengths) {
  const DotKernels& ref = ScalarDotKernels();
  for (const DotKernels* k : AllTables()) {
    for (size_t n : {1u, 7u, 16u, 33u, 100u, 1152u, 1157u}) {
      const auto w = RandomVector(n, 1), x = RandomVector(n, 2);
      std::vector<uint16_t> bf(n), hf(n);
      for (size_t i = 0; i < n; ++i) {
        bf[i] = F32ToBF16(w[i]);
        hf[i] = F32ToF16(w[i]);
      }
      const float tol = 1e-5f * std::sqrt(static_cast<float>(n)) * 4;
      EXPECT_NEAR(k->f32(w.data(), x.data(), n), ref.f32(w.data(), x.data(), n), tol) << k->isa << " f32 n=" << n;
      EXPECT_NEAR(k->bf16(bf.data(), x.data(), n), ref.bf16(bf.data(), x.data(), n), tol) << k->isa << " bf16 n=" << n;
      EXPECT_NEAR(k->f16(hf.data(), x.data(), n), ref.f16(hf.data(), x.data(), n), tol) << k->isa << " f16 n=" << n;
    }
    for (size_t nb : {1u, 2u, 3u, 36u, 37u}) {
      const size_t n = nb * 32;
      const auto w = RandomVector(n, 3), x = RandomVector(n, 4);
      std::vector<uint8_t> q8(DTypeBytes(DType::kQ8_0, n)), q4(DTypeBytes(DType::kQ4_0, n));
      ConvertFromF32(DType::kQ8_0, w.data(), q8.data(), n);
      ConvertFromF32(DType::kQ4_0, w.data(), q4.data(), n);
      std::vector<BlockQ8Act> xq(nb);
      QuantizeActivationsQ8(x.data(), xq.data(), n);
      const auto* w8 = reinterpret_cast<const BlockQ8_0*>(q8.data());
      const auto* w4 = reinterpret_cast<const BlockQ4_0*>(q4.data());
      const float tol = 1e-4f * static_cast<float>(n);
      EXPECT_NEAR(k->q8_0(w8, xq.data(), nb), ref.q8_0(w8, xq.data(), nb), tol) << k->isa << " q8_0 nb=" << nb;
      EXPECT_NEAR(k->q4_0(w4, xq.data(), nb), ref.q4_0(w4, xq.data(), nb), tol) << k->isa << " q4_0 nb=" << nb;
    }
    // K-quants against float activations: the same products up to float summation order.
    for (size_t super_blocks : {1u, 3u, 27u}) {
      const size_t n = super_blocks * 256;
      const auto w = RandomVector(n, 5, 0.05f), x = RandomVector(n, 6);
      for (DType type : {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
        std::vector<uint8_t> q(DTypeBytes(type, n));
        ConvertFromF32(type, w.data(), q.data(), n);
        auto pick = [&](const DotKernels& t) { return type == DType::kQ4_K ? t.q4_k : type == DType::kQ5_K ? t.q5_k : t.q6_k; };
        std::vector<float> deq(n);
        ConvertToF32(type, q.data(), deq.data(), n);
        double exact = 0;
        for (size_t i = 0; i < n; ++i) exact += static_cast<double>(deq[i]) * x[i];
        const double tol = 1e-5 * std::sqrt(static_cast<double>(n));
        EXPECT_NEAR(pick(*k)(q.data(), x.data(), n), exact, tol) << k->isa << " " << DTypeName(type) << " n=" << n;
        EXPECT_NEAR(pick(ref)(q.data(), x.data(), n), exact, tol) << DTypeName(type) << " n=" << n;
      }
    }
    // Every other block type through the generic dequantize-then-multiply dot; 32-element types
    // also on lengths that are not a multiple of 256 (1152 = 4.5 × 256, Gemma 3 1B's width).
    for (size_t n : {256u, 1152u, 2816u}) {
      const auto w = RandomVector(n, 7, 0.05f), x = RandomVector(n, 8);
      for (DType type : {DType::kQ4_1, DType::kQ5_0, DType::kQ5_1, DType::kIQ4_NL, DType::kIQ4_XS, DType::kQ2_K,
                         DType::kQ3_K, DType::kQ4_K}) {
        if (n % DTypeBlockElems(type) != 0) continue;
        std::vector<uint8_t> q(DTypeBytes(type, n));
        ConvertFromF32(type, w.data(), q.data(), n);
        std::vector<float> deq(n);
        ConvertToF32(type, q.data(), deq.data(), n);
        double exact = 0;
        for (size_t i = 0; i < n; ++i) exact += static_cast<double>(deq[i]) * x[i];
        const double tol = 1e-5 * std::sqrt(static_cast<double>(n));
        EXPECT_NEAR(k->blocks(type, q.data(), x.data(), n), exact, tol) << k->isa << " " << DTypeName(type) << " n=" << n;
      }
    }
  }
}

// The quantized matmul against float32 math on the dequantized weights: the gap is what 8-bit
// activations cost, a fraction of a percent of the output's scale.
TEST(QuantMatMul, CloseToFloatMathOnDequantizedWeights) {
  // n = 1 takes the dot kernels, n ≥ 4 the tiled GEMM (where the CPU has it); 160 columns give an
  // odd number of blocks, 37 rows a partial row tile, 17 inputs a partial input tile.
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ4_K, DType::kQ5_K, DType::kQ6_K, DType::kQ4_1, DType::kQ5_0,
                     DType::kQ5_1, DType::kIQ4_NL, DType::kIQ4_XS, DType::kQ2_K, DType::kQ3_K}) {
    for (size_t cols : {160u, 512u}) {
      if (cols % DTypeBlockElems(type) != 0) continue;
      for (size_t n : {1u, 5u, 17u}) {
        const size_t rows = 37;
        const auto wf = RandomVector(rows * cols, 5, 0.05f);
        std::vector<uint8_t> wq(DTypeBytes(type, rows * cols));
        for (size_t r = 0; r < rows; ++r) {
          ConvertFromF32(type, wf.data() + r * cols, wq.data() + r * DTypeBytes(type, cols), cols);
        }
        const MatrixView w{type, wq.data(), rows, cols};
        const auto x = RandomVector(n * cols, 6);
        std::vector<float> got(n * rows), want(n * rows);
        MatMul(x.data(), n, w, got.data(), nullptr);
        MatMulReference(x.data(), n, w, want.data());
        EXPECT_LT(RelativeRms(want, got), 0.01) << DTypeName(type) << " cols=" << cols << " n=" << n;
      }
    }
  }
}

// Exact precision's two 8-bit input terms (MatMulOptions::two_term_q8_inputs) on the 32-blocks
// with integer kernels (Q5_0 / Q5_1 on x86 as well as Q8_0 / Q4_0; AVX-512 prompts on the u8
// panels): about a hundred times closer to float32 math on the dequantized weights than one term,
// decode (n < 4) and prompts alike, and on x86 through the integer kernels the table names. (Q5_x without one, as on scalar: float
// inputs, both within float32 rounding.)
TEST(QuantMatMul, TwoTermInputsCloseToFloatMath) {
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ5_0, DType::kQ5_1}) {
    for (size_t n : {1u, 3u, 5u, 17u}) {
      const size_t rows = 37, cols = 160;
      const auto wf = RandomVector(rows * cols, 7, 0.05f);
      std::vector<uint8_t> wq(DTypeBytes(type, rows * cols));
      ConvertFromF32(type, wf.data(), wq.data(), rows * cols);
      const MatrixView w{type, wq.data(), rows, cols};
      const auto x = RandomVector(n * cols, 8);
      std::vector<float> one(n * rows), two(n * rows), want(n * rows);
      MatMulOptions options;
      ResetMatMulKernelsUsed();
      MatMul(x.data(), n, w, one.data(), nullptr, options);
      options.two_term_q8_inputs = true;
      MatMul(x.data(), n, w, two.data(), nullptr, options);
      MatMulReference(x.data(), n, w, want.data());
      const double err_one = RelativeRms(want, one), err_two = RelativeRms(want, two);
      const MatMulPath path = FindMatMulPlan(MatMulIsa(), type, n).path;
      const bool q8_inputs = type == DType::kQ8_0 || type == DType::kQ4_0 || path == MatMulPath::kQGemm ||
                             path == MatMulPath::kU8Panels;
      if (!q8_inputs) {
        EXPECT_LT(err_one, 1e-5) << DTypeName(type) << " n=" << n;
        EXPECT_LT(err_two, 1e-5) << DTypeName(type) << " n=" << n;
        continue;
      }
      EXPECT_LT(err_one, 0.01) << DTypeName(type) << " n=" << n;
      EXPECT_LT(err_two, 2e-4) << DTypeName(type) << " n=" << n;
      EXPECT_LT(err_two, err_one / 30) << DTypeName(type) << " n=" << n;
#if defined(__x86_64__) || defined(_M_X64)
      if ((type == DType::kQ5_0 || type == DType::kQ5_1) && path == MatMulPath::kQGemm) {
        const MatMulPlan& plan = FindMatMulPlan(MatMulIsa(), type, n);
        EXPECT_EQ(plan.ukernel->isa, CpuHasAvxVnni() ? Isa::kAvxVnni : BestIsa());
        // A matrix not repacked at load runs the in-place kernel of a panel kernel's tile.
        const QGemmUkernel* uk = plan.ukernel->panels ? plan.in_place : plan.ukernel;
        ASSERT_NE(uk, nullptr);
        EXPECT_EQ(uk->isa, plan.ukernel->isa);
        EXPECT_NE(MatMulKernelsUsed().find(uk->name), std::string::npos) << MatMulKernelsUsed();
      }
#endif
    }
  }
}

}  // namespace
}  // namespace gemmakit
