// Every integer matmul micro-kernel of this build (kernels/matmul/ukernels.h, listed by
// AllQGemmUkernels) that this CPU runs, whatever GEMMAKIT_ISA lets the dispatcher pick, against
// the definition: per block, the exact integer dot of the weight quants (Q4_0: nibble - 8, Q5_0:
// q - 16, Q5_1: q) and the activation quants, times both scales, plus Q5_1's minimum times the
// activations' sum, summed in double. Odd shapes (rows not a multiple of MR, n from 1 to 9 and around NR,
// a stride between outputs wider than the rows), several block counts, and adversarial blocks:
// every quant +127 / -128 (Q4_0: 15 / 0, Q5_x: 31 / 0) or alternating, inputs ±1 / 0 that quantize
// to ±127, where an unsigned-by-signed vpmaddubsw could saturate int16. Inputs come as one 8-bit
// term or as two (QuantizeActivationsQ8Split, as the operator makes them under exact precision:
// each input's blocks then the blocks of its rounding error, some of them all zero with d = 0).
// The AVX-VNNI variants (…__avxvnni, skipped where the CPU lacks AVX-VNNI) also against their AVX2
// kernels, to the bit.
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
#include "kernels/matmul/matmul_table.h"
#include "kernels/matmul/rows8_panels.h"
#include "kernels/matmul/ukernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

enum class Pattern { kRandom, kAllMax, kAllMin, kAlternating };

// Packs 32 five-bit quants (0..31) into a Q5_x block's qs and qh.
void PackQ5(const int (&q)[kQK], uint8_t* qs, uint8_t* qh) {
  uint32_t high = 0;
  for (size_t j = 0; j < kQK / 2; ++j) {
    qs[j] = static_cast<uint8_t>((q[j] & 15) | ((q[j + 16] & 15) << 4));
  }
  for (size_t k = 0; k < kQK; ++k) high |= static_cast<uint32_t>(q[k] >> 4) << k;
  for (size_t i = 0; i < 4; ++i) qh[i] = static_cast<uint8_t>(high >> (8 * i));
}

// Element k of a Q5_x block, 0..31.
int Q5Quant(const uint8_t* qs, const uint8_t* qh, size_t k) {
  const int nibble = k < kQK / 2 ? qs[k] & 15 : qs[k - kQK / 2] >> 4;
  return nibble | (((qh[k / 8] >> (k % 8)) & 1) << 4);
}

// Row-major blocks of `type` whose quants follow `pattern`; f16 scales random in [0.5, 1.5), Q5_1's
// minimums in [-1.5, 1.5).
std::vector<uint8_t> MakeBlocks(DType type, size_t rows, size_t cols, Pattern pattern, std::mt19937& rng) {
  const bool q8 = type == DType::kQ8_0, q5 = type == DType::kQ5_0 || type == DType::kQ5_1;
  const int lo = q8 ? -128 : 0, hi = q8 ? 127 : q5 ? 31 : 15;
  std::vector<uint8_t> out(DTypeBytes(type, rows * cols));
  std::uniform_int_distribution<int> dist(lo, hi);
  std::uniform_real_distribution<float> scale(0.5f, 1.5f), min(-1.5f, 1.5f);
  auto quant = [&](size_t k) {
    switch (pattern) {
      case Pattern::kRandom: return dist(rng);
      case Pattern::kAllMax: return hi;
      case Pattern::kAllMin: return lo;
      case Pattern::kAlternating: return k % 2 ? hi : lo;
    }
    return 0;
  };
  for (size_t b = 0; b < rows * cols / kQK; ++b) {
    if (q8) {
      BlockQ8_0& blk = reinterpret_cast<BlockQ8_0*>(out.data())[b];
      blk.d = F32ToF16(scale(rng));
      for (size_t k = 0; k < kQK; ++k) blk.qs[k] = static_cast<int8_t>(quant(k));
    } else if (q5) {
      int q[kQK];
      for (size_t k = 0; k < kQK; ++k) q[k] = quant(k);
      if (type == DType::kQ5_0) {
        BlockQ5_0& blk = reinterpret_cast<BlockQ5_0*>(out.data())[b];
        blk.d = F32ToF16(scale(rng));
        PackQ5(q, blk.qs, blk.qh);
      } else {
        BlockQ5_1& blk = reinterpret_cast<BlockQ5_1*>(out.data())[b];
        blk.d = F32ToF16(scale(rng));
        blk.m = F32ToF16(min(rng));
        PackQ5(q, blk.qs, blk.qh);
      }
    } else {
      BlockQ4_0& blk = reinterpret_cast<BlockQ4_0*>(out.data())[b];
      blk.d = F32ToF16(scale(rng));
      for (size_t j = 0; j < kQK / 2; ++j) blk.qs[j] = static_cast<uint8_t>(quant(j) | (quant(j + 16) << 4));
    }
  }
  return out;
}

// Σ over blocks of d_w · d_x · (exact integer dot) (+ Q5_1's m · d_x · Σ x_q), in double; `mag`
// gets the same sum over |products| (Q4_0: (nibble + 8) · |x|, which bounds both the nibble sum and
// the offset; Q5_1: q · |x| and |m| · d_x · Σ|x_q|).
double Exact(DType type, const uint8_t* row, const BlockQ8Act* x, size_t nb, double* mag) {
  double sum = 0;
  *mag = 0;
  for (size_t b = 0; b < nb; ++b) {
    int64_t dot = 0, abs_dot = 0;
    uint16_t d16;
    if (type == DType::kQ5_0 || type == DType::kQ5_1) {
      const size_t bytes = DTypeBytes(type, kQK);
      const uint8_t* blk = row + b * bytes;
      const uint8_t* qs = blk + bytes - kQK / 2;
      const uint8_t* qh = qs - 4;
      std::memcpy(&d16, blk, 2);
      const int offset = type == DType::kQ5_0 ? 16 : 0;
      int64_t x_sum = 0, x_abs = 0;
      for (size_t k = 0; k < kQK; ++k) {
        const int q = Q5Quant(qs, qh, k) - offset;
        dot += q * x[b].qs[k];
        abs_dot += std::abs(q * x[b].qs[k]);
        x_sum += x[b].qs[k];
        x_abs += std::abs(x[b].qs[k]);
      }
      if (type == DType::kQ5_1) {
        uint16_t m16;
        std::memcpy(&m16, blk + 2, 2);
        const double m = static_cast<double>(F16ToF32(m16)) * x[b].d;
        sum += m * static_cast<double>(x_sum);
        *mag += std::fabs(m) * static_cast<double>(x_abs);
      }
    } else if (type == DType::kQ8_0) {
      const BlockQ8_0& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
      d16 = blk.d;
      for (size_t k = 0; k < kQK; ++k) {
        dot += blk.qs[k] * x[b].qs[k];
        abs_dot += std::abs(blk.qs[k] * x[b].qs[k]);
      }
    } else {
      const BlockQ4_0& blk = reinterpret_cast<const BlockQ4_0*>(row)[b];
      d16 = blk.d;
      for (size_t j = 0; j < kQK / 2; ++j) {
        const int lo = blk.qs[j] & 15, hi = blk.qs[j] >> 4;
        dot += (lo - 8) * x[b].qs[j] + (hi - 8) * x[b].qs[j + 16];
        abs_dot += (lo + 8) * std::abs(x[b].qs[j]) + (hi + 8) * std::abs(x[b].qs[j + 16]);
      }
    }
    const double scale = static_cast<double>(F16ToF32(d16)) * x[b].d;
    sum += scale * static_cast<double>(dot);
    *mag += std::fabs(scale) * static_cast<double>(abs_dot);
  }
  return sum;
}

// n_max quantized input rows of nb blocks from x (n_max rows of nb · 32 floats): one term each,
// or two (QuantizeActivationsQ8Split, laid out as the operator lays them out: rows 2i and 2i + 1
// are input i's blocks and the blocks of its rounding error).
std::vector<BlockQ8Act> QuantizeInputs(const std::vector<float>& x, size_t n_max, size_t nb, bool two_terms) {
  const size_t cols = nb * kQK;
  std::vector<BlockQ8Act> xq(n_max * nb), lo(nb);
  for (size_t i = 0; i < n_max; ++i) {
    if (!two_terms) {
      QuantizeActivationsQ8(x.data() + i * cols, xq.data() + i * nb, cols);
    } else if (i % 2 == 0) {
      QuantizeActivationsQ8Split(x.data() + i / 2 * cols, xq.data() + i * nb, lo.data(), cols);
      if (i + 1 < n_max) std::copy(lo.begin(), lo.end(), xq.begin() + static_cast<std::ptrdiff_t>((i + 1) * nb));
    }
  }
  return xq;
}

// w (rows of nb blocks) as k reads it: the blocks themselves, or repacked into k.panels a panel at
// a time (panel p of R rows where row R · p's blocks were; a kernel may read several per call).
std::vector<uint8_t> KernelLayout(const QGemmUkernel& k, const std::vector<uint8_t>& w, size_t rows, size_t nb) {
  if (!k.panels) return w;
  const size_t pr = k.panels->rows, row_bytes = nb * DTypeBytes(k.weight, kQK), panels = (rows + pr - 1) / pr;
  std::vector<uint8_t> out(panels * pr * row_bytes, 0xA5);
  for (size_t p = 0; p < panels; ++p) {
    k.panels->pack(w.data() + p * pr * row_bytes, row_bytes, std::min(pr, rows - p * pr), nb, out.data() + p * pr * row_bytes);
  }
  return out;
}

// Calls k over `rows` rows of w and the first n quantized inputs, tiled as the operator tiles (MR
// rows by up to NR inputs per call, outputs ldy apart), and checks every output against Exact and
// that nothing past the rows is written.
void ExpectTilesMatch(const QGemmUkernel& k, const std::vector<uint8_t>& w, size_t rows, size_t nb,
                      const std::vector<BlockQ8Act>& xq, size_t n, const std::string& what) {
  const size_t row_bytes = nb * DTypeBytes(k.weight, kQK), ldy = rows + 3;
  const std::vector<uint8_t> layout = KernelLayout(k, w, rows, nb);
  // The inputs as the operator hands them: prepared once for all tiles where k asks for it.
  size_t input_bytes = sizeof(BlockQ8Act);
  std::vector<uint64_t> prepared;
  const uint8_t* inputs = UkernelInputs(k, xq.data(), n * nb, input_bytes, prepared);
  std::vector<float> y(n * ldy, NAN);
  for (size_t r = 0; r < rows; r += k.mr) {
    for (size_t i = 0; i < n; i += k.nr) {
      k.fn(layout.data() + r * row_bytes, row_bytes, std::min(k.mr, rows - r), inputs + i * nb * input_bytes, std::min(k.nr, n - i),
           nb, y.data() + i * ldy + r, ldy);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = 0; r < ldy; ++r) {
      const std::string where =
          what + " n=" + std::to_string(n) + " row " + std::to_string(r) + " input " + std::to_string(i);
      if (r >= rows) {
        ASSERT_TRUE(std::isnan(y[i * ldy + r])) << where << ": written past the rows";
        continue;
      }
      double mag;
      const double want = Exact(k.weight, w.data() + r * row_bytes, xq.data() + i * nb, nb, &mag);
      ASSERT_NEAR(y[i * ldy + r], want, 2.4e-7 * static_cast<double>(nb + 2) * mag + 1e-6) << where;
    }
  }
}

TEST(QGemmUkernels, EveryKernelThisCpuRunsMatchesTheDefinition) {
  size_t tested = 0;
  for (const QGemmUkernel* k : AllQGemmUkernels()) {
    if (!CpuHas(k->isa)) continue;
    ASSERT_TRUE(k->act == ActQuant::kQ8_0) << k->name << ": add its activations and definition to this test";
    ASSERT_TRUE(k->weight == DType::kQ8_0 || k->weight == DType::kQ4_0 || k->weight == DType::kQ5_0 ||
                k->weight == DType::kQ5_1)
        << k->name << ": add its definition";
    ++tested;
    std::mt19937 rng(5);
    for (Pattern pattern : {Pattern::kRandom, Pattern::kAllMax, Pattern::kAllMin, Pattern::kAlternating}) {
      for (size_t rows : {size_t{1}, k->mr - 1, k->mr, k->mr + 1, 2 * k->mr + 3}) {
        if (rows == 0) continue;
        for (size_t nb : {1u, 2u, 3u, 36u, 129u}) {
          const size_t cols = nb * kQK;
          const std::vector<uint8_t> w = MakeBlocks(k->weight, rows, cols, pattern, rng);
          const size_t n_max = 2 * k->nr + 1;
          // Inputs of ±1 and 0 quantize to ±127, the extremes the kernels must take.
          std::vector<float> x(n_max * cols);
          std::uniform_int_distribution<int> sign(0, 2);
          for (size_t i = 0; i < x.size(); ++i) {
            x[i] = pattern == Pattern::kRandom ? std::normal_distribution<float>(0.f, 1.f)(rng)
                                               : (i % 5 == 0 ? 1.f : static_cast<float>(sign(rng) - 1));
          }
          for (bool two_terms : {false, true}) {
            const std::vector<BlockQ8Act> xq = QuantizeInputs(x, n_max, nb, two_terms);
            const std::string what = std::string(k->name) + (two_terms ? " two terms" : "") + " pattern " +
                                     std::to_string(static_cast<int>(pattern)) + " rows=" + std::to_string(rows) +
                                     " nb=" + std::to_string(nb);
            // Every count up to 9 (each register tile of the 4- and 8-input kernels), then around NR
            // and past it.
            for (size_t n = 1; n <= n_max; ++n) {
              if (n > 9 && n != k->nr - 1 && n != k->nr && n != k->nr + 1 && n != n_max) continue;
              ASSERT_NO_FATAL_FAILURE(ExpectTilesMatch(*k, w, rows, nb, xq, n, what));
            }
          }
        }
      }
    }
  }
  EXPECT_GE(tested, 2u) << "at least the scalar definitions";
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHas(Isa::kAvxVnni)) {
    EXPECT_GE(tested, 12u) << "scalar, AVX2 and AVX-VNNI";
  }
#endif
}

// The AVX-VNNI kernels share the AVX2 tiles and float arithmetic; only the exact integer sums
// come from another instruction, so every output equals AVX2's bit for bit.
TEST(QGemmUkernels, AvxVnniVariantsEqualAvx2ToTheBit) {
  if (!CpuHas(Isa::kAvxVnni)) GTEST_SKIP() << "no AVX-VNNI on this CPU";
  const auto& all = AllQGemmUkernels();
  size_t compared = 0;
  for (const QGemmUkernel* v : all) {
    if (v->isa != Isa::kAvxVnni) continue;
    const QGemmUkernel* a = nullptr;
    for (const QGemmUkernel* k : all) {
      if (k->isa == Isa::kAvx2 && k->weight == v->weight && k->act == v->act && k->mr == v->mr && k->nr == v->nr &&
          k->panels == v->panels) {
        a = k;
      }
    }
    ASSERT_NE(a, nullptr) << v->name << ": no AVX2 kernel of the same contract and tile";
    ++compared;
    std::mt19937 rng(11);
    for (Pattern pattern : {Pattern::kRandom, Pattern::kAllMax, Pattern::kAllMin, Pattern::kAlternating}) {
      for (size_t rows : {size_t{1}, v->mr - 1, v->mr}) {
        for (size_t nb : {1u, 7u, 64u}) {
          const size_t cols = nb * kQK, row_bytes = DTypeBytes(v->weight, cols);
          const std::vector<uint8_t> w = KernelLayout(*v, MakeBlocks(v->weight, rows, cols, pattern, rng), rows, nb);
          std::vector<float> x(v->nr * cols);
          for (float& e : x) e = std::normal_distribution<float>(0.f, 1.f)(rng);
          std::vector<BlockQ8Act> xq(v->nr * nb);
          for (size_t i = 0; i < v->nr; ++i) QuantizeActivationsQ8(x.data() + i * cols, xq.data() + i * nb, cols);
          for (size_t n = 1; n <= v->nr; ++n) {
            std::vector<float> ya(n * rows), yv(n * rows);
            a->fn(w.data(), row_bytes, rows, xq.data(), n, nb, ya.data(), rows);
            v->fn(w.data(), row_bytes, rows, xq.data(), n, nb, yv.data(), rows);
            for (size_t j = 0; j < ya.size(); ++j) {
              ASSERT_EQ(ya[j], yv[j]) << v->name << " vs " << a->name << " pattern " << static_cast<int>(pattern)
                                      << " rows=" << rows << " nb=" << nb << " n=" << n << " output " << j;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 15u);
}

// The dispatch table: the AVX2 tier (AVX2, and its AVX-VNNI variants where the CPU has AVX-VNNI) reads
// Q8_0, Q4_0 and Q5_0 from 8-row panels repacked at load, decode and prompts alike (a repacked
// matrix keeps no blocks to read), with the in-place kernel of the same tile for matrices that were
// not repacked; AVX-512 reads its own 16-row panels for Q8_0 / Q4_0; Q5_1 is read in place.
TEST(QGemmUkernels, TableSaysWhichIsaUsesPanels) {
  for (DType type : {DType::kQ8_0, DType::kQ4_0}) {
    EXPECT_FALSE(MatMulUsesPanels(Isa::kScalar, type));
#if defined(__x86_64__) || defined(_M_X64)
    EXPECT_TRUE(MatMulUsesPanels(Isa::kAvx512, type));
    for (size_t n : {1u, 3u, 4u, 256u}) {
      const MatMulPlan& plan = FindMatMulPlan(Isa::kAvx2, type, n);
      ASSERT_EQ(plan.path, MatMulPath::kQGemm);
      EXPECT_EQ(plan.ukernel->weight, type);
      EXPECT_EQ(plan.ukernel->isa, Isa::kAvx2);
      const MatMulPlan& vnni = FindMatMulPlan(Isa::kAvxVnni, type, n);
      ASSERT_EQ(vnni.path, MatMulPath::kQGemm);
      EXPECT_EQ(vnni.ukernel->weight, type);
      EXPECT_EQ(vnni.ukernel->isa, Isa::kAvxVnni);
      EXPECT_EQ(vnni.RowsPerTask(4096), plan.RowsPerTask(4096));
    }
#endif
  }
#if defined(__x86_64__) || defined(_M_X64)
  for (DType type : {DType::kQ8_0, DType::kQ4_0, DType::kQ5_0, DType::kQ5_1}) {
    for (Isa isa : {Isa::kAvx2, Isa::kAvxVnni}) {
      const bool panels = type != DType::kQ5_1;
      EXPECT_EQ(MatMulUsesPanels(isa, type), panels) << DTypeName(type);
      for (size_t n : {1u, 64u}) {
        const MatMulPlan& plan = FindMatMulPlan(isa, type, n);
        ASSERT_EQ(plan.path, MatMulPath::kQGemm);
        EXPECT_EQ(plan.ukernel->panels != nullptr, panels) << DTypeName(type) << " n=" << n;
        if (!plan.ukernel->panels) continue;
        EXPECT_EQ(plan.ukernel->panels->dtype, type);
        // A kernel reads whole panels (one or more per call), and a task's rows are whole tiles of
        // either kernel the operator may pick (the panels', or the in-place one's).
        EXPECT_EQ(plan.ukernel->mr % plan.ukernel->panels->rows, 0u);
        ASSERT_NE(plan.in_place, nullptr);
        EXPECT_EQ(plan.in_place->panels, nullptr);
        EXPECT_EQ(plan.in_place->isa, plan.ukernel->isa);
        EXPECT_EQ(plan.in_place->weight, type);
        EXPECT_EQ(plan.row_step % plan.ukernel->mr, 0u);
        EXPECT_EQ(plan.row_step % plan.in_place->mr, 0u);
      }
    }
  }
#endif
  // Types with no AVX-VNNI kernel take the AVX2 plans.
  for (DType type : {DType::kF32, DType::kBF16}) {
    for (size_t n : {1u, 64u}) {
      EXPECT_EQ(&FindMatMulPlan(Isa::kAvxVnni, type, n), &FindMatMulPlan(Isa::kAvx2, type, n));
    }
  }
#if defined(__x86_64__) || defined(_M_X64)
  // K-quants: decode on the integer kernels, from 8-row panels on each tier's byte dot product, the
  // AVX2 in-place kernels for matrices not repacked; prompts on the u8 panels, but on the AVX2 tier
  // the staged kernels that read the same 8-row panels (an in-place twin of the same tile for
  // matrices not repacked).
  for (DType type : {DType::kQ4_K, DType::kQ5_K, DType::kQ6_K}) {
    for (Isa isa : {Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512}) {
      const MatMulPlan& decode = FindMatMulPlan(isa, type, 1);
      ASSERT_EQ(decode.path, MatMulPath::kQGemm);
      EXPECT_EQ(decode.ukernel->act, ActQuant::kQ8_K32);
      EXPECT_EQ(decode.ukernel->weight, type);
      ASSERT_NE(decode.ukernel->panels, nullptr) << DTypeName(type);
      EXPECT_EQ(decode.ukernel->panels->dtype, type);
      EXPECT_EQ(decode.ukernel->isa, isa) << DTypeName(type);
      ASSERT_NE(decode.in_place, nullptr);
      EXPECT_EQ(decode.in_place->isa, Isa::kAvx2);
      EXPECT_EQ(decode.in_place->panels, nullptr);
      const MatMulPlan& prompt = FindMatMulPlan(isa, type, 64);
      if (isa != Isa::kAvx2) {
        EXPECT_EQ(prompt.path, MatMulPath::kU8Panels) << DTypeName(type);
        continue;
      }
      ASSERT_EQ(prompt.path, MatMulPath::kQGemm) << DTypeName(type);
      EXPECT_EQ(prompt.ukernel->act, ActQuant::kQ8_K32);
      EXPECT_EQ(prompt.ukernel->weight, type);
      EXPECT_EQ(prompt.ukernel->panels, decode.ukernel->panels) << "the layout decode reads";
      ASSERT_NE(prompt.in_place, nullptr);
      EXPECT_EQ(prompt.in_place->panels, nullptr);
      EXPECT_EQ(prompt.in_place->mr, prompt.ukernel->mr);
      EXPECT_EQ(prompt.in_place->nr, prompt.ukernel->nr);
      EXPECT_EQ(prompt.in_place->prepared_block_bytes, prompt.ukernel->prepared_block_bytes);
    }
  }
#endif
  EXPECT_FALSE(MatMulUsesPanels(Isa::kAvx512, DType::kBF16));
  // The table's key on this CPU: the AVX-VNNI variants only on the AVX2 tier, within the cap.
  EXPECT_EQ(MatMulIsa(), CpuHasAvxVnni() ? Isa::kAvxVnni : BestIsa());
  if (CpuHasAvxVnni()) {
    EXPECT_EQ(BestIsa(), Isa::kAvx2);
    EXPECT_TRUE(CpuHas(Isa::kAvxVnni));
  }
  for (DType type : {DType::kQ5_0, DType::kQ5_1}) {
#if defined(__x86_64__) || defined(_M_X64)
    // Q5_0 decode reads the 8-row panels on AVX-512 too (the blocks in place when not repacked).
    EXPECT_EQ(MatMulUsesPanels(Isa::kAvx512, type), type == DType::kQ5_0);
    if (type == DType::kQ5_0) {
      const MatMulPlan& decode = FindMatMulPlan(Isa::kAvx512, type, 1);
      ASSERT_NE(decode.in_place, nullptr);
      EXPECT_EQ(decode.in_place->panels, nullptr);
      EXPECT_EQ(decode.in_place->isa, Isa::kAvx512);
    }
    for (Isa isa : {Isa::kAvx2, Isa::kAvx512}) {
      for (size_t n : {1u, 3u, 4u, 256u}) {
        const MatMulPlan& plan = FindMatMulPlan(isa, type, n);
        // Prompts: the affine u8 panels on AVX-512; on AVX2 the 8 rows' blocks staged once per call
        // for up to 64 inputs, as Q4_0's.
        if (n >= 4 && isa == Isa::kAvx512) {
          EXPECT_EQ(plan.path, MatMulPath::kU8Panels) << DTypeName(type) << " n=" << n;
          continue;
        }
        ASSERT_EQ(plan.path, MatMulPath::kQGemm) << DTypeName(type) << " n=" << n;
        EXPECT_EQ(plan.ukernel->weight, type);
        EXPECT_EQ(plan.ukernel->isa, isa);
        if (n >= 4) {
          EXPECT_EQ(plan.ukernel->nr, 64u) << DTypeName(type);  // kStagedNR
        }
      }
    }
    EXPECT_EQ(FindMatMulPlan(Isa::kAvxVnni, type, 1).ukernel->isa, Isa::kAvxVnni);
    EXPECT_EQ(FindMatMulPlan(Isa::kAvxVnni, type, 64).ukernel->isa, Isa::kAvxVnni);
#endif
    EXPECT_EQ(FindMatMulPlan(Isa::kScalar, type, 1).path, MatMulPath::kDotRows);
  }
}

}  // namespace
}  // namespace gemmakit
