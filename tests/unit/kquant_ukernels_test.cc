// The K-quant × Q8_K32 micro-kernels (kernels/matmul/kquant_q8k.h): the Q8_K32 activation blocks, the
// scalar definition against float math on dequantized weights and activations, and every SIMD
// variant this CPU runs against the scalar definition on odd shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/matmul/kquant_q8k.h"
#include "kernels/matmul/matmul_table.h"
#include "kernels/matmul/panels.h"
#include "kernels/matmul/rows8_panels.h"
#include "kernels/quant/activation_q8k.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

std::vector<float> Normal(std::mt19937& rng, size_t n, float sigma = 1.f) {
  std::vector<float> v(n);
  std::normal_distribution<float> dist(0.f, sigma);
  for (float& f : v) f = dist(rng);
  return v;
}

TEST(ActivationQ8K32, EachSubBlockAsGgmlQuantizesABlock) {
  std::mt19937 rng(3);
  std::vector<float> x = Normal(rng, 512);
  x[5] = -9.f;                                       // sub-block 0's largest magnitude, negative
  x[32 + 17] = 7.f;                                  // sub-block 1's, positive
  for (size_t k = 64; k < 96; ++k) x[k] = 0.f;       // sub-block 2: all zero
  x[256 + 3] = 1e-3f;                                // block 1, sub-block 0: one small value
  std::vector<BlockQ8K32> q(2);
  std::memset(q.data(), 0x5a, q.size() * sizeof(BlockQ8K32));
  QuantizeActivationsQ8K32(x.data(), q.data(), x.size());
  EXPECT_EQ(q[0].qs[5], -127);
  EXPECT_FLOAT_EQ(q[0].d[0], 9.f / 127.f);
  EXPECT_EQ(q[0].qs[32 + 17], -127);
  EXPECT_FLOAT_EQ(q[0].d[1], -7.f / 127.f);
  EXPECT_EQ(q[0].d[2], 0.f);
  for (size_t b = 0; b < 2; ++b) {
    for (int j = 0; j < 8; ++j) {
      const float* v = x.data() + 256 * b + 32 * j;
      float max = 0.f;
      for (int k = 0; k < 32; ++k) max = std::fabs(v[k]) > std::fabs(max) ? v[k] : max;
      const float iscale = max == 0.f ? 0.f : -127.f / max;
      for (int k = 0; k < 32; ++k) {
        ASSERT_EQ(q[b].qs[32 * j + k], static_cast<int>(std::nearbyint(iscale * v[k]))) << b << " " << j << " " << k;
        ASSERT_LE(std::fabs(q[b].d[j] * q[b].qs[32 * j + k] - v[k]), std::fabs(q[b].d[j]) * 0.5001f);
      }
    }
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int k = 0; k < 16; ++k) sum += q[b].qs[g * 16 + k];
      EXPECT_EQ(q[b].bsums[g], sum);
    }
  }
}

// What QuantizeActivationsQ8K32 runs on this CPU (AVX2 on x86) equals the scalar definition to the
// bit: ties of the largest magnitude (the first one sets the sign), an all-zero sub-block, tiny
// values, halves that round to even.
TEST(ActivationQ8K32, DispatchedEqualsTheScalarDefinitionToTheBit) {
  std::mt19937 rng(21);
  std::vector<float> x = Normal(rng, 256 * 6);
  for (float& v : x) v *= 3.f;
  for (size_t k = 64; k < 96; ++k) x[k] = 0.f;
  x[100] = 50.f, x[101] = -50.f, x[120] = 50.f;  // sub-block 3: +50 first, then -50
  x[130] = -60.f, x[140] = 60.f;                 // sub-block 4: -60 first
  x[300] = 1e-30f;
  x[400] = 127.f, x[401] = 0.5f, x[402] = 1.5f, x[403] = -2.5f;  // iscale -1: halves to even
  std::vector<BlockQ8K32> got(6), want(6);
  std::memset(got.data(), 0x5a, got.size() * sizeof(BlockQ8K32));
  std::memset(want.data(), 0xa5, want.size() * sizeof(BlockQ8K32));
  QuantizeActivationsQ8K32(x.data(), got.data(), x.size());
  QuantizeActivationsQ8K32Reference(x.data(), want.data(), x.size());
  for (size_t b = 0; b < got.size(); ++b) {
    EXPECT_EQ(std::memcmp(&got[b], &want[b], sizeof(BlockQ8K32)), 0) << "block " << b;
  }
  EXPECT_EQ(want[0].qs[100], -127);
  EXPECT_EQ(want[0].qs[101], 127);
  EXPECT_EQ(want[0].qs[130], -127);
  EXPECT_EQ(want[1].qs[401 - 256], 0);
  EXPECT_EQ(want[1].qs[402 - 256], -2);
  EXPECT_EQ(want[1].qs[403 - 256], 2);
}

size_t BlockBytes(DType type) { return DTypeBytes(type, 256); }

// Rows of K-quant blocks: quantized from random floats (real scales and minimums), or random bytes
// with small positive super-block scales (every packed scale, min, value and high bit).
std::vector<uint8_t> RandomRows(DType type, size_t rows, size_t nb, bool raw_bytes, std::mt19937& rng) {
  std::vector<uint8_t> out(rows * nb * BlockBytes(type));
  if (!raw_bytes) {
    const std::vector<float> w = Normal(rng, rows * nb * 256, 0.05f);
    ConvertFromF32(type, w.data(), out.data(), w.size());
    return out;
  }
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(1e-4f, 2e-3f);
  for (size_t i = 0; i < rows * nb; ++i) {
    uint8_t* blk = out.data() + i * BlockBytes(type);
    if (type == DType::kQ6_K) {
      auto* b = reinterpret_cast<BlockQ6_K*>(blk);
      b->d = F32ToF16(scale(rng));
    } else {
      // Q4_K and Q5_K begin with d, dmin.
      auto* b = reinterpret_cast<BlockQ4_K*>(blk);
      b->d = F32ToF16(scale(rng));
      b->dmin = F32ToF16(scale(rng));
    }
  }
  return out;
}

std::vector<BlockQ8K32> QuantizeInputs(const std::vector<float>& x, size_t n, size_t cols) {
  std::vector<BlockQ8K32> q(n * cols / 256);
  for (size_t i = 0; i < n; ++i) QuantizeActivationsQ8K32(x.data() + i * cols, q.data() + i * cols / 256, cols);
  return q;
}

const QGemmUkernel& ScalarFor(DType type) {
  size_t count = 0;
  const QGemmUkernel* all = KQuantUkernels(&count);
  for (size_t i = 0; i < count; ++i) {
    if (all[i].weight == type && all[i].isa == Isa::kScalar) return all[i];
  }
  ADD_FAILURE() << "no scalar kernel for " << DTypeName(type);
  return all[0];
}

// The rows as k reads them: its load-time panels (rows8_panels.h; the last one's missing rows
// filled with a pattern the pack must not keep), else the blocks.
std::vector<uint8_t> KernelLayout(const QGemmUkernel& k, const std::vector<uint8_t>& w, size_t rows, size_t nb) {
  if (!k.panels) return w;
  const size_t row_bytes = nb * BlockBytes(k.weight), panels = (rows + k.mr - 1) / k.mr;
  std::vector<uint8_t> out(panels * k.mr * row_bytes, 0xA5);
  for (size_t p = 0; p < panels; ++p) {
    k.panels->pack(w.data() + p * k.mr * row_bytes, row_bytes, std::min(k.mr, rows - p * k.mr), nb,
                   out.data() + p * k.mr * row_bytes);
  }
  return out;
}

// Runs a ukernel over a whole rows × n product, tiled by its MR × NR.
std::vector<float> RunTiled(const QGemmUkernel& k, const std::vector<uint8_t>& blocks, size_t rows, size_t nb,
                            const std::vector<BlockQ8K32>& x, size_t n) {
  const size_t stride = nb * BlockBytes(k.weight);
  const std::vector<uint8_t> w = KernelLayout(k, blocks, rows, nb);
  size_t input_bytes = sizeof(BlockQ8K32);
  std::vector<uint64_t> prepared;
  const uint8_t* inputs = UkernelInputs(k, x.data(), n * nb, input_bytes, prepared);
  std::vector<float> y(n * rows, NAN);
  for (size_t i = 0; i < n; i += k.nr) {
    for (size_t r = 0; r < rows; r += k.mr) {
      k.fn(w.data() + r * stride, stride, std::min(k.mr, rows - r), inputs + i * nb * input_bytes,
           std::min(k.nr, n - i), nb, y.data() + i * rows + r, rows);
    }
  }
  return y;
}

// Σ |w_k| · |x_k| with Q4_K / Q5_K minimums counted as added, not subtracted (dmin's sign flipped):
// the size of the terms that float rounding is relative to.
double Magnitude(DType type, const uint8_t* row, size_t nb, const BlockQ8K32* x) {
  std::vector<uint8_t> copy(row, row + nb * BlockBytes(type));
  if (type != DType::kQ6_K) {
    for (size_t b = 0; b < nb; ++b) reinterpret_cast<BlockQ4_K*>(copy.data() + b * BlockBytes(type))->dmin ^= 0x8000;
  }
  std::vector<float> w(nb * 256);
  ConvertToF32(type, copy.data(), w.data(), w.size());
  double mag = 0;
  for (size_t k = 0; k < w.size(); ++k) mag += std::fabs(static_cast<double>(w[k]) * x[k / 256].d[(k % 256) / 32] * x[k / 256].qs[k % 256]);
  return mag;
}

constexpr DType kTypes[] = {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K};

// The definition: float math (in double) on the dequantized weights and dequantized Q8_K32 inputs.
TEST(KQuantUkernels, ScalarEqualsFloatMathOnDequantizedValues) {
  std::mt19937 rng(11);
  for (DType type : kTypes) {
    const QGemmUkernel& k = ScalarFor(type);
    for (bool raw : {false, true}) {
      for (size_t nb : {1u, 2u, 3u}) {
        const size_t rows = 7, n = 5, cols = nb * 256;
        const std::vector<uint8_t> w = RandomRows(type, rows, nb, raw, rng);
        const std::vector<BlockQ8K32> x = QuantizeInputs(Normal(rng, n * cols), n, cols);
        const std::vector<float> y = RunTiled(k, w, rows, nb, x, n);
        std::vector<float> wf(cols);
        for (size_t r = 0; r < rows; ++r) {
          const uint8_t* row = w.data() + r * nb * BlockBytes(type);
          ConvertToF32(type, row, wf.data(), cols);
          for (size_t i = 0; i < n; ++i) {
            double exact = 0;
            for (size_t c = 0; c < cols; ++c) {
              const BlockQ8K32& xb = x[i * nb + c / 256];
              exact += static_cast<double>(wf[c]) * xb.d[(c % 256) / 32] * xb.qs[c % 256];
            }
            const double mag = Magnitude(type, row, nb, x.data() + i * nb);
            ASSERT_NEAR(y[i * rows + r], exact, 1e-5 * mag)
                << k.name << (raw ? " raw bytes" : " quantized") << " nb=" << nb << " row " << r << " input " << i;
          }
        }
      }
    }
  }
}

// Every variant this CPU runs equals the definition on odd shapes: rows not a multiple of MR,
// 1 to 9 inputs and around NR (and past it, tiled), 1 to 3 super-blocks.
TEST(KQuantUkernels, EveryVariantEqualsScalarDefinition) {
  std::mt19937 rng(12);
  size_t count = 0;
  const QGemmUkernel* all = KQuantUkernels(&count);
  size_t tested = 0;
  for (size_t e = 0; e < count; ++e) {
    const QGemmUkernel& k = all[e];
    ASSERT_EQ(k.act, ActQuant::kQ8_K32) << k.name;
    ASSERT_NE(std::string(k.name).find("_q8_k32_gemm_" + std::to_string(k.mr) + "x" + std::to_string(k.nr) + "__"),
              std::string::npos)
        << k.name << ": the name states the tile";
    if (k.isa == Isa::kScalar || !CpuHas(k.isa)) continue;
    ++tested;
    const QGemmUkernel& ref = ScalarFor(k.weight);
    for (bool raw : {false, true}) {
      for (size_t nb : {1u, 2u, 3u}) {
        for (size_t rows : {1ul, k.mr + 1, 2 * k.mr + 3}) {
          std::vector<size_t> counts;  // 1 to 9 inputs, then around NR (and past it, tiled)
          for (size_t n = 1; n <= std::min<size_t>(k.nr + 2, 9); ++n) counts.push_back(n);
          for (size_t n : {k.nr - 1, k.nr, k.nr + 2}) {
            if (n > 9) counts.push_back(n);
          }
          for (size_t n : counts) {
            const size_t cols = nb * 256;
            const std::vector<uint8_t> w = RandomRows(k.weight, rows, nb, raw, rng);
            const std::vector<BlockQ8K32> x = QuantizeInputs(Normal(rng, n * cols), n, cols);
            const std::vector<float> got = RunTiled(k, w, rows, nb, x, n);
            const std::vector<float> want = RunTiled(ref, w, rows, nb, x, n);
            for (size_t i = 0; i < n; ++i) {
              for (size_t r = 0; r < rows; ++r) {
                const double mag = Magnitude(k.weight, w.data() + r * nb * BlockBytes(k.weight), nb, x.data() + i * nb);
                // Exact integer sums: only the float additions per super-block and across lanes differ.
                ASSERT_NEAR(got[i * rows + r], want[i * rows + r], 2e-6 * mag)
                    << k.name << (raw ? " raw bytes" : " quantized") << " nb=" << nb << " rows=" << rows << " n=" << n
                    << " row " << r << " input " << i;
              }
            }
          }
        }
      }
    }
  }
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHas(Isa::kAvx2)) {
    EXPECT_GT(tested, 0u) << "no AVX2 K-quant kernel was tested";
  }
#endif
}

// The VNNI variants (vpdpbusd into int32, scales by vpmulld) equal the AVX2 kernel of the same
// tile and layout (vpmaddubsw int16 runs, scales by vpmaddwd) to the bit: the integer sums are
// exact both ways and the float arithmetic after them is shared. Rows of all-ones bytes (every
// value, scale and min at its maximum) against inputs of +127 put AVX2's int16 runs at their bound.
TEST(KQuantUkernels, VnniVariantsEqualAvx2ToTheBit) {
  std::mt19937 rng(15);
  size_t count = 0, compared = 0;
  const QGemmUkernel* all = KQuantUkernels(&count);
  for (size_t e = 0; e < count; ++e) {
    const QGemmUkernel& v = all[e];
    if (v.isa != Isa::kAvxVnni && v.isa != Isa::kAvx512) continue;
    const QGemmUkernel* a = nullptr;
    for (size_t i = 0; i < count; ++i) {
      if (all[i].isa == Isa::kAvx2 && all[i].weight == v.weight && all[i].mr == v.mr && all[i].nr == v.nr &&
          all[i].panels == v.panels) {
        a = &all[i];
      }
    }
    ASSERT_NE(a, nullptr) << v.name << ": no AVX2 kernel of the same tile and layout";
    if (!CpuHas(v.isa)) continue;
    ++compared;
    for (int pattern = 0; pattern < 3; ++pattern) {  // quantized, raw bytes, all-ones bytes
      for (size_t nb : {1u, 3u}) {
        for (size_t rows : {1ul, v.mr + 1, 2 * v.mr + 3}) {
          const size_t cols = nb * 256, n = 3;
          std::vector<uint8_t> w = RandomRows(v.weight, rows, nb, pattern > 0, rng);
          std::vector<float> xf = Normal(rng, n * cols);
          if (pattern == 2) {
            for (size_t b = 0; b < rows * nb; ++b) {
              uint8_t* blk = w.data() + b * BlockBytes(v.weight);
              if (v.weight == DType::kQ6_K) {  // values 63, scales -128 (the widest signed one)
                auto* q6 = reinterpret_cast<BlockQ6_K*>(blk);
                std::memset(q6->ql, 0xFF, sizeof(q6->ql) + sizeof(q6->qh));
                std::memset(q6->scales, 0x80, sizeof(q6->scales));
              } else {  // d and dmin kept, every 6-bit scale and min 63, every value 15 (31)
                std::memset(blk + 4, 0xFF, BlockBytes(v.weight) - 4);
              }
            }
            for (float& f : xf) f = 1.f;
          }
          const std::vector<BlockQ8K32> x = QuantizeInputs(xf, n, cols);
          const std::vector<float> got = RunTiled(v, w, rows, nb, x, n);
          const std::vector<float> want = RunTiled(*a, w, rows, nb, x, n);
          for (size_t i = 0; i < got.size(); ++i) {
            ASSERT_EQ(got[i], want[i]) << v.name << " vs " << a->name << " pattern " << pattern << " nb=" << nb
                                       << " rows=" << rows << " output " << i;
          }
        }
      }
    }
  }
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHas(Isa::kAvx512) || CpuHas(Isa::kAvxVnni)) {
    EXPECT_GT(compared, 0u) << "this CPU runs a VNNI variant";
  }
#endif
}

// The operator picks the integer kernels for decode (and the u8 panels for prompts) and stays close
// to the float product on the dequantized weights (the gap is the 8-bit activations').
TEST(KQuantUkernels, MatMulUsesThemAndStaysClose) {
  std::mt19937 rng(13);
  for (DType type : kTypes) {
    for (size_t n : {1u, 3u, 4u, 9u}) {
      const size_t rows = 37, cols = 512;
      const std::vector<uint8_t> w = RandomRows(type, rows, cols / 256, false, rng);
      const MatrixView view{type, w.data(), rows, cols};
      const std::vector<float> x = Normal(rng, n * cols);
      std::vector<float> got(n * rows, NAN), want(n * rows);
      ResetMatMulKernelsUsed();
      MatMul(x.data(), n, view, got.data(), nullptr);
      MatMulReference(x.data(), n, view, want.data());
      double err2 = 0, ref2 = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_FALSE(std::isnan(got[i])) << i;
        err2 += (got[i] - want[i]) * (got[i] - want[i]);
        ref2 += want[i] * want[i];
      }
      EXPECT_LT(std::sqrt(err2 / ref2), 0.01) << DTypeName(type) << " n=" << n;
#if defined(__x86_64__) || defined(_M_X64)
      if (BestIsa() != Isa::kScalar) {
        // Decode on the Q8_K32 kernels; prompts on the AVX2 tier's staged Q8_K32 kernels,
        // else the affine u8 panels (u8_panels.h).
        const bool staged = MatMulIsa() == Isa::kAvx2;
        const char* kernel = n < 4 ? "_q8_k32_gemm_" : staged ? "_q8_k32_gemm_8x128__avx2" : "_q8_0_gemm_";
        EXPECT_NE(MatMulKernelsUsed().find(kernel), std::string::npos) << MatMulKernelsUsed();
      }
#endif
    }
  }
}

// A matrix repacked at load, as model/repack.cc does it (its blocks dropped): decode on the panel
// kernel equals the in-place one to float rounding, prompts (rows unpacked from the panels) to the
// bit, and every row reads back as its blocks.
TEST(KQuantUkernels, RepackedMatrixMatchesTheBlocksInPlace) {
  std::mt19937 rng(14);
  size_t tested = 0;
  for (DType type : kTypes) {
    if (!PanelsAvailable(type)) continue;
    ++tested;
    const size_t rows = 21, cols = 768, row_bytes = DTypeBytes(type, cols);
    const std::vector<uint8_t> w = RandomRows(type, rows, cols / 256, true, rng);
    const MatrixView in_place{type, w.data(), rows, cols};
    AlignedBytes panels = AlignedBytes::Allocate(PanelBytes(type, rows, cols));
    PackPanels(in_place, panels.data.get(), nullptr);
    MatrixView repacked{type, nullptr, rows, cols};
    repacked.panels = panels.data.get();
    std::vector<uint8_t> row(row_bytes);
    for (size_t r = 0; r < rows; ++r) {
      repacked.RowBytes(r, row.data());
      ASSERT_EQ(0, std::memcmp(row.data(), w.data() + r * row_bytes, row_bytes)) << DTypeName(type) << " row " << r;
    }
    for (size_t n : {1u, 2u, 5u, 9u}) {
      const std::vector<float> x = Normal(rng, n * cols);
      std::vector<float> got(n * rows, NAN), want(n * rows, NAN);
      ResetMatMulKernelsUsed();
      MatMul(x.data(), n, repacked, got.data(), nullptr);
      const std::string used = MatMulKernelsUsed();
      MatMul(x.data(), n, in_place, want.data(), nullptr);
      for (size_t i = 0; i < got.size(); ++i) {
        if (n >= 4) {
          ASSERT_EQ(got[i], want[i]) << DTypeName(type) << " n=" << n << " output " << i << " " << used;
        } else {
          ASSERT_NEAR(got[i], want[i], 1e-4f * (1.f + std::fabs(want[i]))) << DTypeName(type) << " n=" << n << " " << used;
        }
      }
      if (n < 4) {
        EXPECT_NE(used.find("x8_q8_k32_gemm_"), std::string::npos) << used;
      }
    }
  }
#if defined(__x86_64__) || defined(_M_X64)
  if (BestIsa() == Isa::kAvx2 || BestIsa() == Isa::kAvx512) {  // the tier in use (GEMMAKIT_ISA caps it)
    EXPECT_GT(tested, 0u) << "Q4_K has panels on every x86 tier with AVX2";
  }
#endif
}

}  // namespace
}  // namespace gemmakit
