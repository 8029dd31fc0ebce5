// Affine u8 panels (kernels/matmul/u8_panels.h): the affine form of every block type against its
// dequantizer, the AVX-512 kernel against exact math on the same quantized inputs on odd shapes
// (one and two terms), and MatMul's prompts on it against the float reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu_features.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/matmul_table.h"
#include "kernels/matmul/u8_panels.h"
#include "kernels/quant/blocks.h"
#include "kernels/quant/quant.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

struct TypeCase {
  DType dtype;
  void (*quantize)(const float*, void*, size_t);
};

const TypeCase kTypes[] = {
    {DType::kQ8_0, QuantizeQ8_0},     {DType::kQ4_0, QuantizeQ4_0},   {DType::kQ4_1, QuantizeQ4_1},
    {DType::kQ5_0, QuantizeQ5_0},     {DType::kQ5_1, QuantizeQ5_1},   {DType::kIQ4_NL, QuantizeIQ4_NL},
    {DType::kIQ4_XS, QuantizeIQ4_XS}, {DType::kQ2_K, QuantizeQ2_K},   {DType::kQ3_K, QuantizeQ3_K},
    {DType::kQ4_K, QuantizeQ4_K},     {DType::kQ5_K, QuantizeQ5_K},   {DType::kQ6_K, QuantizeQ6_K},
};

bool IsSuperBlock(DType t) {
  return t == DType::kIQ4_XS || t == DType::kQ2_K || t == DType::kQ3_K || t == DType::kQ4_K || t == DType::kQ5_K ||
         t == DType::kQ6_K;
}

std::vector<float> Normal(std::mt19937& rng, size_t n) {
  std::vector<float> v(n);
  std::normal_distribution<float> dist(0.f, 1.f);
  for (float& f : v) f = dist(rng);
  return v;
}

std::vector<uint8_t> Quantized(const TypeCase& t, const std::vector<float>& w, size_t rows, size_t cols) {
  std::vector<uint8_t> out(rows * DTypeBytes(t.dtype, cols));
  for (size_t r = 0; r < rows; ++r) t.quantize(w.data() + r * cols, out.data() + r * DTypeBytes(t.dtype, cols), cols);
  return out;
}

TEST(U8Panels, AffineFormEqualsTheDequantizer) {
  std::mt19937 rng(11);
  for (const TypeCase& t : kTypes) {
    SCOPED_TRACE(DTypeName(t.dtype));
    const size_t rows = 3, cols = 512, group = U8GroupSize(t.dtype);
    ASSERT_TRUE(group == 16 || group == 32);
    const std::vector<uint8_t> q = Quantized(t, Normal(rng, rows * cols), rows, cols);
    std::vector<uint8_t> u(rows * cols);
    std::vector<float> scale(rows * cols / group), min(rows * cols / group), ref(cols);
    UnpackRowsU8(t.dtype, q.data(), DTypeBytes(t.dtype, cols), rows, cols, u.data(), scale.data(), min.data());
    for (size_t r = 0; r < rows; ++r) {
      ConvertToF32(t.dtype, q.data() + r * DTypeBytes(t.dtype, cols), ref.data(), cols);
      for (size_t c = 0; c < cols; ++c) {
        const size_t g = r * (cols / group) + c / group;
        const float value = scale[g] * u[r * cols + c] + min[g];
        ASSERT_NEAR(value, ref[c], 1e-6f * (1.f + std::fabs(ref[c]))) << r << " " << c;
      }
    }
  }
  EXPECT_EQ(U8GroupSize(DType::kF32), 0u);
  EXPECT_EQ(U8GroupSize(DType::kBF16), 0u);
}

TEST(U8Panels, Avx2UnpackEqualsTheScalarDefinition) {
  if (!CpuHas(Isa::kAvx2)) GTEST_SKIP() << "no AVX2";
  std::mt19937 rng(12);
  for (const TypeCase& t : kTypes) {
    SCOPED_TRACE(DTypeName(t.dtype));
    const size_t rows = 5, cols = 768, groups = cols / U8GroupSize(t.dtype);
    const std::vector<uint8_t> q = Quantized(t, Normal(rng, rows * cols), rows, cols);
    std::vector<uint8_t> u(rows * cols), u2(rows * cols);
    std::vector<float> scale(rows * groups), min(rows * groups), scale2(rows * groups), min2(rows * groups);
    UnpackRowsU8(t.dtype, q.data(), DTypeBytes(t.dtype, cols), rows, cols, u.data(), scale.data(), min.data());
    UnpackRowsU8Avx2(t.dtype, q.data(), DTypeBytes(t.dtype, cols), rows, cols, u2.data(), scale2.data(),
                       min2.data());
    EXPECT_EQ(u, u2);
    EXPECT_EQ(scale, scale2);
    EXPECT_EQ(min, min2);
  }
}

// Σ over groups of scale · Σ u·q_x · d_x + min · d_x·Σq_x in double: what the kernel computes
// exactly in its integer part.
std::vector<double> ExactOnQuantizedInputs(const TypeCase& t, const std::vector<uint8_t>& w, size_t rows,
                                           size_t cols, const U8PanelInputs& x) {
  const size_t group = U8GroupSize(t.dtype), groups = cols / group;
  std::vector<uint8_t> u(rows * cols);
  std::vector<float> scale(rows * groups), min(rows * groups);
  UnpackRowsU8(t.dtype, w.data(), DTypeBytes(t.dtype, cols), rows, cols, u.data(), scale.data(), min.data());
  std::vector<double> y(x.n * rows);
  for (size_t i = 0; i < x.n; ++i) {
    for (size_t r = 0; r < rows; ++r) {
      double acc = 0;
      for (size_t g = 0; g < groups; ++g) {
        int64_t dot = 0;
        for (size_t k = g * group; k < (g + 1) * group; ++k) dot += int64_t{u[r * cols + k]} * x.quants(i)[k];
        acc += double(scale[r * groups + g]) * x.scales(i)[g * group / 32] * double(dot) +
               double(min[r * groups + g]) * x.sums(i)[g];
      }
      y[i * rows + r] = acc;
    }
  }
  return y;
}

struct Variant {
  const char* name;
  U8GemmFn fn;
  Isa isa;
  bool (*takes)(DType);
};

bool AnyType(DType) { return true; }

// Every u8 panel GEMM this CPU runs, whatever GEMMAKIT_ISA lets the dispatcher pick.
std::vector<Variant> Variants() {
  std::vector<Variant> v;
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHas(Isa::kAvx512)) v.push_back({"avx512vnni", GemmU8PanelsAvx512, Isa::kAvx512, AnyType});
  if (CpuHas(Isa::kAvxVnni)) v.push_back({"avxvnni", GemmU8PanelsAvxVnni, Isa::kAvxVnni, AnyType});
  if (CpuHas(Isa::kAvx2)) v.push_back({"avx2", GemmU8PanelsAvx2, Isa::kAvx2, U8PanelsFitAvx2});
#endif
  return v;
}

TEST(U8Panels, EveryKernelEqualsExactMathOnOddShapes) {
  const std::vector<Variant> variants = Variants();
  if (variants.empty()) GTEST_SKIP() << "no u8 panel kernels on this CPU";
  std::mt19937 rng(5);
  for (const Variant& v : variants) {
    for (const TypeCase& t : kTypes) {
      if (!v.takes(t.dtype)) continue;
      for (size_t rows : {1u, 17u, 50u, 101u, 258u}) {
        for (size_t n : {1u, 3u, 4u, 9u}) {
          for (bool two_terms : {false, true}) {
            const size_t cols = IsSuperBlock(t.dtype) ? 768 : 32 + 32 * (rows % 5);
            SCOPED_TRACE(std::string(v.name) + " " + DTypeName(t.dtype) + " rows " + std::to_string(rows) + " n " +
                         std::to_string(n) + (two_terms ? " two terms" : ""));
            const std::vector<uint8_t> w = Quantized(t, Normal(rng, rows * cols), rows, cols);
            const std::vector<float> xf = Normal(rng, n * cols);
            U8PanelInputs x;
            PackU8PanelInputs(xf.data(), n, cols, U8GroupSize(t.dtype), two_terms, x);
            ASSERT_EQ(x.n, two_terms ? 2 * n : n);
            const std::vector<double> want = ExactOnQuantizedInputs(t, w, rows, cols, x);
            // Sentinels around the rows asked for: nothing outside them is written.
            const size_t r0 = rows > 16 ? 16 : 0;
            std::vector<float> y(x.n * rows, -7.f);
            const MatrixView view{t.dtype, w.data(), rows, cols};
            v.fn(view, x, x.n, y.data(), r0, rows);
            for (size_t i = 0; i < x.n; ++i) {
              for (size_t r = 0; r < rows; ++r) {
                if (r < r0) {
                  ASSERT_EQ(y[i * rows + r], -7.f);
                  continue;
                }
                ASSERT_NEAR(y[i * rows + r], want[i * rows + r], 1e-4 * (1.0 + std::fabs(want[i * rows + r])))
                    << "input " << i << " row " << r;
              }
            }
          }
        }
      }
    }
  }
}

TEST(U8Panels, TableGivesAvx2OnlyTheTypesThatFit) {
#if defined(__x86_64__) || defined(_M_X64)
  for (const TypeCase& t : kTypes) {
    const MatMulPlan& plan = FindMatMulPlan(Isa::kAvx2, t.dtype, 64);
    if (plan.path == MatMulPath::kU8Panels) {
      EXPECT_TRUE(U8PanelsFitAvx2(t.dtype)) << DTypeName(t.dtype);
    }
    if (t.dtype == DType::kQ8_0 || t.dtype == DType::kQ4_0) continue;  // their own kernels
    EXPECT_EQ(FindMatMulPlan(Isa::kAvx512, t.dtype, 64).path, MatMulPath::kU8Panels) << DTypeName(t.dtype);
    // Q5_0 / Q5_1 have staged kernels of their own on the AVX2 tier.
    if (t.dtype == DType::kQ5_0 || t.dtype == DType::kQ5_1) continue;
    EXPECT_EQ(FindMatMulPlan(Isa::kAvxVnni, t.dtype, 64).path, MatMulPath::kU8Panels) << DTypeName(t.dtype);
  }
#endif
}

// AVX2's vpmaddubsw saturates int16 pair sums: the types it takes must keep u under 64, checked on
// blocks quantized from extreme values.
TEST(U8Panels, Avx2TypesKeepTheirBytesUnder64) {
  std::mt19937 rng(2);
  for (const TypeCase& t : kTypes) {
    if (!U8PanelsFitAvx2(t.dtype)) continue;
    SCOPED_TRACE(DTypeName(t.dtype));
    std::vector<float> w = Normal(rng, 4 * 256);
    for (size_t k = 0; k < w.size(); k += 7) w[k] *= 50.f;
    const std::vector<uint8_t> q = Quantized(t, w, 4, 256);
    std::vector<uint8_t> u(4 * 256);
    std::vector<float> scale(4 * 16), min(4 * 16);
    UnpackRowsU8(t.dtype, q.data(), DTypeBytes(t.dtype, 256), 4, 256, u.data(), scale.data(), min.data());
    for (uint8_t b : u) ASSERT_LT(b, 64);
  }
}

TEST(U8Panels, MatMulPromptsStayCloseToTheReference) {
  std::mt19937 rng(9);
  ThreadPool pool(2);
  for (const TypeCase& t : kTypes) {
    for (Executor* ex : {static_cast<Executor*>(nullptr), static_cast<Executor*>(&pool)}) {
      for (size_t n : {4u, 13u, 64u}) {
        const size_t rows = 70 + n, cols = IsSuperBlock(t.dtype) ? 512 : 64;
        SCOPED_TRACE(std::string(DTypeName(t.dtype)) + " n " + std::to_string(n) + (ex ? " pool" : ""));
        const std::vector<uint8_t> w = Quantized(t, Normal(rng, rows * cols), rows, cols);
        const std::vector<float> x = Normal(rng, n * cols);
        const MatrixView view{t.dtype, w.data(), rows, cols};
        std::vector<float> ref(n * rows), one(n * rows), two(n * rows);
        MatMulReference(x.data(), n, view, ref.data());
        MatMul(x.data(), n, view, one.data(), ex);
        MatMulOptions exact;
        exact.two_term_q8_inputs = true;
        MatMul(x.data(), n, view, two.data(), ex, exact);
        double err1 = 0, err2 = 0, norm = 0;
        for (size_t k = 0; k < ref.size(); ++k) {
          err1 = std::max(err1, double(std::fabs(one[k] - ref[k])));
          err2 = std::max(err2, double(std::fabs(two[k] - ref[k])));
          norm = std::max(norm, double(std::fabs(ref[k])));
        }
        // One 8-bit input term: about 1/254 of each block's largest input, summed over the
        // columns; two terms: float32 rounding.
        EXPECT_LT(err1, 0.05 * norm);
        EXPECT_LT(err2, 2e-4 * norm);
      }
    }
  }
}

// Blocks with every quant bit set (each u at its type's largest value, U8MaxQuant) and small
// positive f16 scales: against inputs all at +127, the AVX2 kernel's int16 pair sums reach the
// bound they are sized for (x86_avx2_u8_panels.h), so saturation would show here.
std::vector<uint8_t> AllMaxBlocks(DType t, size_t rows, size_t cols) {
  std::vector<uint8_t> w(rows * DTypeBytes(t, cols), 0xFF);
  const uint16_t d = 0x2000, dmin = 0x1C00;  // f16 2^-7, 2^-8
  auto set = [&](size_t block_bytes, size_t d_off, long dmin_off) {
    for (size_t b = 0; b < w.size() / block_bytes; ++b) {
      std::memcpy(&w[b * block_bytes + d_off], &d, 2);
      if (dmin_off >= 0) std::memcpy(&w[b * block_bytes + static_cast<size_t>(dmin_off)], &dmin, 2);
    }
  };
  switch (t) {
    case DType::kQ4_1: return set(sizeof(BlockQ4_1), offsetof(BlockQ4_1, d), offsetof(BlockQ4_1, m)), w;
    case DType::kQ5_0: return set(sizeof(BlockQ5_0), offsetof(BlockQ5_0, d), -1), w;
    case DType::kQ5_1: return set(sizeof(BlockQ5_1), offsetof(BlockQ5_1, d), offsetof(BlockQ5_1, m)), w;
    case DType::kQ2_K: return set(sizeof(BlockQ2_K), offsetof(BlockQ2_K, d), offsetof(BlockQ2_K, dmin)), w;
    case DType::kQ3_K: return set(sizeof(BlockQ3_K), offsetof(BlockQ3_K, d), -1), w;
    case DType::kQ4_K: return set(sizeof(BlockQ4_K), offsetof(BlockQ4_K, d), offsetof(BlockQ4_K, dmin)), w;
    case DType::kQ5_K: return set(sizeof(BlockQ5_K), offsetof(BlockQ5_K, d), offsetof(BlockQ5_K, dmin)), w;
    case DType::kQ6_K: return set(sizeof(BlockQ6_K), offsetof(BlockQ6_K, d), -1), w;
    default: return {};
  }
}

TEST(U8Panels, LargestQuantsAgainstLargestInputsDoNotSaturate) {
  const std::vector<Variant> variants = Variants();
  if (variants.empty()) GTEST_SKIP() << "no u8 panel kernels on this CPU";
  for (const Variant& v : variants) {
    for (const TypeCase& t : kTypes) {
      if (!v.takes(t.dtype)) continue;
      const size_t rows = 24, cols = 512, n = 4;
      const std::vector<uint8_t> w = AllMaxBlocks(t.dtype, rows, cols);
      if (w.empty()) continue;  // no AVX2 panels for it (Q8_0, Q4_0, IQ4)
      SCOPED_TRACE(std::string(v.name) + " " + DTypeName(t.dtype));
      std::vector<uint8_t> u(rows * cols);
      std::vector<float> scale(rows * cols / U8GroupSize(t.dtype)), min(scale.size());
      UnpackRowsU8(t.dtype, w.data(), DTypeBytes(t.dtype, cols), rows, cols, u.data(), scale.data(), min.data());
      int largest = 0;
      for (uint8_t e : u) largest = std::max<int>(largest, e);
      EXPECT_EQ(largest, U8MaxQuant(t.dtype)) << "the blocks reach the type's largest quant";
      const std::vector<float> xf(n * cols, 1.f);  // every input byte +127
      U8PanelInputs x;
      PackU8PanelInputs(xf.data(), n, cols, U8GroupSize(t.dtype), false, x);
      const std::vector<double> want = ExactOnQuantizedInputs(t, w, rows, cols, x);
      std::vector<float> y(x.n * rows);
      v.fn(MatrixView{t.dtype, w.data(), rows, cols}, x, x.n, y.data(), 0, rows);
      for (size_t j = 0; j < y.size(); ++j) {
        ASSERT_NEAR(y[j], want[j], 1e-4 * (1.0 + std::fabs(want[j]))) << "output " << j;
      }
    }
  }
}

}  // namespace
}  // namespace gemmakit
