// Every kernel against a scalar reference on random data of awkward sizes: matmul in each weight
// type, attention over arbitrary key ranges (ring buffer included), RMSNorm, RoPE, GELU, soft-cap,
// and the float16 / bfloat16 conversions bit for bit.
#include <gtest/gtest.h>

#include <cfenv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/activation.h"
#include "kernels/attention/attention.h"
#include "kernels/dtype.h"
#include "kernels/matmul.h"
#include "kernels/norm.h"
#include "kernels/rope.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

constexpr size_t kOddSizes[] = {1, 3, 7, 33, 65, 129, 250};
constexpr size_t kBatchSizes[] = {1, 2, 5, 17};

std::vector<float> RandomFloats(std::mt19937& rng, size_t n, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

uint32_t Bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

float FromBits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// MatMul

// A weight matrix of `dtype` holding values near `values` (rounded to the type), plus the
// float32 values it really holds.
struct TestMatrix {
  std::vector<uint16_t> half;  // F16 / BF16 storage
  std::vector<float> f32;      // F32 storage, and the exact values for every type
  MatrixView view;
};

TestMatrix MakeMatrix(DType dtype, const std::vector<float>& values, size_t rows, size_t cols) {
  TestMatrix m;
  m.f32 = values;
  if (dtype != DType::kF32) {
    m.half.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      m.half[i] = dtype == DType::kBF16 ? F32ToBF16(values[i]) : F32ToF16(values[i]);
      m.f32[i] = dtype == DType::kBF16 ? BF16ToF32(m.half[i]) : F16ToF32(m.half[i]);
    }
  }
  m.view.dtype = dtype;
  m.view.data = dtype == DType::kF32 ? static_cast<const void*>(m.f32.data()) : m.half.data();
  m.view.rows = rows;
  m.view.cols = cols;
  return m;
}

class MatMulTest : public ::testing::TestWithParam<DType> {};

TEST_P(MatMulTest, MatchesReferenceOnOddSizes) {
  const DType dtype = GetParam();
  std::mt19937 rng(1234 + static_cast<int>(dtype));
  ThreadPool pool(2);
  size_t shape_index = 0;
  for (size_t rows : kOddSizes) {
    for (size_t cols : kOddSizes) {
      // Small shapes take every batch size; large ones n = 1 and about a third of the others, so
      // the whole test stays fast under the sanitizers.
      for (size_t n : kBatchSizes) {
        if (n != 1 && rows * cols > 2000 && (shape_index + n) % 3 != 0) continue;
        const TestMatrix w = MakeMatrix(dtype, RandomFloats(rng, rows * cols), rows, cols);
        ASSERT_EQ(w.view.dtype, dtype);
        const std::vector<float> x = RandomFloats(rng, n * cols, -2.f, 2.f);
        std::vector<float> want(n * rows, NAN);
        MatMulReference(x.data(), n, w.view, want.data());
        for (Executor* ex : {static_cast<Executor*>(nullptr), static_cast<Executor*>(&pool)}) {
          std::vector<float> got(n * rows, NAN);
          MatMul(x.data(), n, w.view, got.data(), ex);
          for (size_t i = 0; i < n; ++i) {
            for (size_t r = 0; r < rows; ++r) {
              // Summation order may differ: allow float32 rounding that grows like sqrt(cols)
              // relative to the size of the terms (and check the reference itself in double).
              double exact = 0, mag2 = 0;
              for (size_t c = 0; c < cols; ++c) {
                const double t = static_cast<double>(x[i * cols + c]) * w.f32[r * cols + c];
                exact += t;
                mag2 += t * t;
              }
              const double tol = 1e-5 * std::sqrt(static_cast<double>(cols)) * std::max(std::sqrt(mag2), std::fabs(exact));
              const float g = got[i * rows + r];
              ASSERT_NEAR(g, want[i * rows + r], tol)
                  << DTypeName(dtype) << " rows=" << rows << " cols=" << cols << " n=" << n << " row " << r
                  << " input " << i << (ex ? " (2 threads)" : " (serial)");
              ASSERT_NEAR(want[i * rows + r], exact, tol) << "reference off: rows=" << rows << " cols=" << cols;
            }
          }
        }
      }
      ++shape_index;
    }
  }
}

// Every output of a large-ish product is written exactly once, whatever the thread split.
TEST_P(MatMulTest, ThreadedEqualsSerialOnLargerShapes) {
  const DType dtype = GetParam();
  std::mt19937 rng(99);
  ThreadPool pool(2);
  for (size_t rows : {257u, 1000u}) {
    const size_t cols = 96, n = 3;
    const TestMatrix w = MakeMatrix(dtype, RandomFloats(rng, rows * cols), rows, cols);
    const std::vector<float> x = RandomFloats(rng, n * cols);
    std::vector<float> serial(n * rows, NAN), threaded(n * rows, NAN), want(n * rows, NAN);
    MatMul(x.data(), n, w.view, serial.data(), nullptr);
    MatMul(x.data(), n, w.view, threaded.data(), &pool);
    MatMulReference(x.data(), n, w.view, want.data());
    for (size_t i = 0; i < n * rows; ++i) {
      ASSERT_FALSE(std::isnan(threaded[i])) << "output " << i << " never written";
      ASSERT_NEAR(threaded[i], want[i], 1e-4) << "output " << i;
      ASSERT_NEAR(serial[i], want[i], 1e-4) << "output " << i;
    }
  }
}

TEST_P(MatMulTest, RowToF32ConvertsEachRow) {
  const DType dtype = GetParam();
  std::mt19937 rng(7);
  const size_t rows = 5, cols = 33;
  const TestMatrix w = MakeMatrix(dtype, RandomFloats(rng, rows * cols, -100.f, 100.f), rows, cols);
  std::vector<float> row(cols);
  for (size_t r = 0; r < rows; ++r) {
    w.view.RowToF32(r, row.data());
    for (size_t c = 0; c < cols; ++c) ASSERT_EQ(Bits(row[c]), Bits(w.f32[r * cols + c])) << r << "," << c;
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, MatMulTest, ::testing::Values(DType::kF32, DType::kBF16, DType::kF16),
                         [](const ::testing::TestParamInfo<DType>& info) { return std::string(DTypeName(info.param)); });

// ---------------------------------------------------------------------------------------------
// Attention

// A float32 cache in one page (the one array), rows `stride` floats apart.
KvView F32KvView(const uint8_t* const* k_page, const uint8_t* const* v_page, size_t nkv, size_t d, size_t stride,
                 size_t ring) {
  KvView kv;
  kv.k_pages = k_page;
  kv.v_pages = v_page;
  kv.page_shift = 40;
  kv.row_bytes = stride * sizeof(float);
  kv.type = DType::kF32;
  kv.n_kv_heads = nkv;
  kv.head_dim = d;
  kv.head_bytes = d * sizeof(float);
  kv.ring_size = ring;
  return kv;
}

struct AttentionCase {
  size_t n_kv_heads, head_dim;
  float softcap;
  size_t ring_size;  // 0: linear cache
};

// kBlockedF32 / kBlockedBF16: the prompt kernels, with enough queries for several 32-query blocks;
// blocked float32 in key chunks of 16 (so every online-softmax rescale is taken); bf16 with
// unit-sized scores so that bf16's rounding of queries, keys, values and weights (2^-9 each)
// bounds the error.
enum class AttentionVariant { kPerQuery, kBlockedF32, kBlockedBF16 };
void CheckAttention(const AttentionCase& ac, std::mt19937& rng, Executor* ex,
                    AttentionVariant variant = AttentionVariant::kPerQuery) {
  const bool bf16 = variant == AttentionVariant::kBlockedBF16;
  const bool blocked = variant != AttentionVariant::kPerQuery;
  constexpr size_t kHeads = 4;
  const size_t d = ac.head_dim, nkv = ac.n_kv_heads;
  const size_t stride = nkv * d + 3;  // padded rows: the kernel must honour row_stride
  const int32_t max_pos = 70;
  const size_t slots = ac.ring_size ? ac.ring_size : static_cast<size_t>(max_pos);
  const std::vector<float> k = RandomFloats(rng, slots * stride, -1.5f, 1.5f);
  const std::vector<float> v = RandomFloats(rng, slots * stride);
  const uint8_t* k_page = reinterpret_cast<const uint8_t*>(k.data());
  const uint8_t* v_page = reinterpret_cast<const uint8_t*>(v.data());
  const KvView kv = F32KvView(&k_page, &v_page, nkv, d, stride, ac.ring_size);

  // Key ranges: empty, single key, causal prefixes, sliding windows; a ring only holds the last
  // ring_size positions, so its ranges are at most that long.
  std::vector<int32_t> begin, end;
  const int32_t window = ac.ring_size ? static_cast<int32_t>(ac.ring_size) : max_pos;
  std::uniform_int_distribution<int32_t> end_dist(1, max_pos);
  const std::pair<int32_t, int32_t> fixed[] = {{0, 0}, {5, 5}, {max_pos - 1, max_pos}, {0, 1}, {0, std::min(window, max_pos)}};
  for (auto [b, e] : fixed) {
    begin.push_back(b);
    end.push_back(e);
  }
  for (int i = 0; i < (blocked ? 60 : 12); ++i) {
    const int32_t e = end_dist(rng);
    std::uniform_int_distribution<int32_t> len_dist(0, std::min(e, window));
    begin.push_back(e - len_dist(rng));
    end.push_back(e);
  }
  const size_t n = begin.size();
  // Large enough scores that the soft-cap and the max-subtraction both matter.
  const float q_range = bf16 ? 1.f : 3.f;
  const std::vector<float> q = RandomFloats(rng, n * kHeads * d, -q_range, q_range);
  AttentionParams params;
  params.scale = 1.f / std::sqrt(static_cast<float>(d)) * (bf16 ? 1.f : 4.f);
  params.softcap = ac.softcap;

  std::vector<float> want(n * kHeads * d, NAN), got(n * kHeads * d, NAN);
  AttentionReference(q.data(), n, kHeads, AttentionMask::Ranges(begin.data(), end.data()), kv, params, want.data());
  const AttentionMask mask = AttentionMask::Ranges(begin.data(), end.data());
  switch (variant) {
    case AttentionVariant::kPerQuery: Attention(q.data(), n, kHeads, mask, kv, params, got.data(), ex); break;
    case AttentionVariant::kBlockedF32:
      AttentionBlockedF32(q.data(), n, kHeads, mask, kv, params, got.data(), ex, /*key_chunk=*/16);
      break;
    case AttentionVariant::kBlockedBF16: AttentionBF16(q.data(), n, kHeads, mask, kv, params, got.data(), ex); break;
  }

  const size_t group = kHeads / nkv;
  for (size_t i = 0; i < n; ++i) {
    for (size_t h = 0; h < kHeads; ++h) {
      // An independent double-precision softmax, to check the reference too.
      const float* qh = &q[(i * kHeads + h) * d];
      const size_t g = h / group;
      std::vector<double> w;
      double mx = -INFINITY, sum = 0;
      for (int32_t p = begin[i]; p < end[i]; ++p) {
        const float* kp = &k[kv.Slot(p) * stride + g * d];
        double s = 0;
        for (size_t j = 0; j < d; ++j) s += static_cast<double>(qh[j]) * kp[j];
        s *= params.scale;
        if (ac.softcap > 0) s = ac.softcap * std::tanh(s / ac.softcap);
        w.push_back(s);
        mx = std::max(mx, s);
      }
      for (double& s : w) sum += (s = std::exp(s - mx));
      for (size_t j = 0; j < d; ++j) {
        double exact = 0;
        for (size_t p = 0; p < w.size(); ++p) exact += w[p] / sum * v[kv.Slot(begin[i] + static_cast<int32_t>(p)) * stride + g * d + j];
        const size_t o = (i * kHeads + h) * d + j;
        const std::string where = "query " + std::to_string(i) + " keys [" + std::to_string(begin[i]) + ", " +
                                  std::to_string(end[i]) + ") head " + std::to_string(h) + " dim " + std::to_string(j) +
                                  " (kv_heads=" + std::to_string(nkv) + " head_dim=" + std::to_string(d) +
                                  " softcap=" + std::to_string(ac.softcap) + " ring=" + std::to_string(ac.ring_size) +
                                  (ex ? ", 2 threads)" : ", serial)");
        if (end[i] <= begin[i]) {
          ASSERT_EQ(got[o], 0.f) << "empty key range must give zeros: " << where;
          ASSERT_EQ(want[o], 0.f) << "reference, empty key range: " << where;
          continue;
        }
        ASSERT_NEAR(want[o], exact, 1e-6) << "reference: " << where;
        // float32 scores of magnitude up to ~30: their rounding moves the weights by ~1e-6.
        ASSERT_NEAR(got[o], want[o], bf16 ? 1e-2 : 2e-5) << where;
      }
    }
  }
}

TEST(AttentionTest, MatchesReference) {
  std::mt19937 rng(42);
  ThreadPool pool(2);
  int cases = 0;
  for (size_t nkv : {1u, 2u, 4u}) {
    for (size_t hd : {16u, 32u}) {
      for (float softcap : {0.f, 50.f}) {
        for (size_t ring : {0u, 8u, 24u}) {
          SCOPED_TRACE(::testing::Message() << "n_kv_heads=" << nkv << " head_dim=" << hd << " softcap=" << softcap
                                            << " ring=" << ring);
          CheckAttention({nkv, hd, softcap, ring}, rng, nullptr);
          if (HasFatalFailure()) return;
          CheckAttention({nkv, hd, softcap, ring}, rng, &pool);
          if (HasFatalFailure()) return;
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 36);
}

TEST(AttentionTest, BF16BlocksMatchReference) {
  std::mt19937 rng(43);
  ThreadPool pool(2);
  for (size_t nkv : {1u, 2u}) {
    for (size_t hd : {16u, 72u}) {
      for (float softcap : {0.f, 50.f}) {
        for (size_t ring : {0u, 24u}) {
          SCOPED_TRACE(::testing::Message() << "bf16 n_kv_heads=" << nkv << " head_dim=" << hd
                                            << " softcap=" << softcap << " ring=" << ring);
          CheckAttention({nkv, hd, softcap, ring}, rng, nullptr, AttentionVariant::kBlockedBF16);
          if (HasFatalFailure()) return;
          CheckAttention({nkv, hd, softcap, ring}, rng, &pool, AttentionVariant::kBlockedBF16);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(AttentionTest, F32BlocksMatchReference) {
  std::mt19937 rng(44);
  ThreadPool pool(2);
  for (size_t nkv : {1u, 2u, 4u}) {
    for (size_t hd : {16u, 72u}) {
      for (float softcap : {0.f, 50.f}) {
        for (size_t ring : {0u, 24u}) {
          SCOPED_TRACE(::testing::Message() << "f32 blocks n_kv_heads=" << nkv << " head_dim=" << hd
                                            << " softcap=" << softcap << " ring=" << ring);
          CheckAttention({nkv, hd, softcap, ring}, rng, nullptr, AttentionVariant::kBlockedF32);
          if (HasFatalFailure()) return;
          CheckAttention({nkv, hd, softcap, ring}, rng, &pool, AttentionVariant::kBlockedF32);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

// The soft-cap really is applied: scores far beyond the cap are squashed to it.
TEST(AttentionTest, SoftCapBoundsScores) {
  const size_t d = 16;
  std::vector<float> q(d, 0.f), k(2 * d, 0.f), v(2 * d, 0.f);
  q[0] = 1.f;
  k[0] = 1000.f;   // key 0 score 1000 -> capped to ~50
  k[d] = 900.f;    // key 1 score 900  -> capped to ~50 as well: comparable weights
  v[0] = 1.f;      // value of key 0, dim 0
  v[d + 1] = 1.f;  // value of key 1, dim 1
  const uint8_t* k_page = reinterpret_cast<const uint8_t*>(k.data());
  const uint8_t* v_page = reinterpret_cast<const uint8_t*>(v.data());
  const KvView kv = F32KvView(&k_page, &v_page, 1, d, d, 0);
  AttentionParams p;
  p.scale = 1.f;
  p.softcap = 50.f;
  const int32_t b = 0, e = 2;
  std::vector<float> out(d), ref(d);
  Attention(q.data(), 1, 1, AttentionMask::Ranges(&b, &e), kv, p, out.data(), nullptr);
  AttentionReference(q.data(), 1, 1, AttentionMask::Ranges(&b, &e), kv, p, ref.data());
  const double s0 = 50 * std::tanh(1000.0 / 50), s1 = 50 * std::tanh(900.0 / 50);
  const double w0 = 1 / (1 + std::exp(s1 - s0));
  EXPECT_NEAR(out[0], w0, 1e-5);
  EXPECT_NEAR(out[1], 1 - w0, 1e-5);
  EXPECT_NEAR(ref[0], w0, 1e-6);
  // Without the cap, key 0 takes everything.
  p.softcap = 0.f;
  Attention(q.data(), 1, 1, AttentionMask::Ranges(&b, &e), kv, p, out.data(), nullptr);
  EXPECT_NEAR(out[0], 1.0, 1e-6);
  EXPECT_NEAR(out[1], 0.0, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// RmsNorm

TEST(RmsNormTest, MatchesDoublePrecision) {
  std::mt19937 rng(5);
  for (size_t dim : kOddSizes) {
    for (size_t n : {1u, 2u, 5u}) {
      for (float magnitude : {1e-4f, 1.f, 300.f}) {
        for (bool with_scale : {true, false}) {
          for (bool in_place : {false, true}) {
            const std::vector<float> x = RandomFloats(rng, n * dim, -magnitude, magnitude);
            const std::vector<float> scale = RandomFloats(rng, dim, -2.f, 2.f);
            const float eps = 1e-6f;
            std::vector<float> y = in_place ? x : std::vector<float>(n * dim, NAN);
            RmsNorm(in_place ? y.data() : x.data(), n, dim, with_scale ? scale.data() : nullptr, eps, y.data());
            for (size_t i = 0; i < n; ++i) {
              double ss = 0;
              for (size_t j = 0; j < dim; ++j) ss += static_cast<double>(x[i * dim + j]) * x[i * dim + j];
              const double inv = 1.0 / std::sqrt(ss / static_cast<double>(dim) + static_cast<double>(eps));
              for (size_t j = 0; j < dim; ++j) {
                const double want = x[i * dim + j] * inv * (with_scale ? scale[j] : 1.0);
                ASSERT_NEAR(y[i * dim + j], want, 1e-6 * std::fabs(want) + 1e-30)
                    << "dim=" << dim << " n=" << n << " magnitude=" << magnitude << " scale=" << with_scale
                    << " in_place=" << in_place << " at " << i << "," << j;
              }
            }
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// RoPE

// HuggingFace's float32 arithmetic: inv_freq = 1 / base^(2i/d) / factor, angle = pos · inv_freq,
// each step rounded to float32. This is what the golden logits were computed with.
float HfAngle(int32_t pos, size_t i, size_t head_dim, const RopeParams& p) {
  const float exponent = static_cast<float>(2 * i) / static_cast<float>(head_dim);
  const float inv_freq = 1.0f / std::pow(p.base, exponent) / p.linear_scale;
  return static_cast<float>(pos) * inv_freq;
}

TEST(RopeTest, MatchesDirectFormula) {
  std::mt19937 rng(11);
  const int32_t positions[] = {0, 1, 2, 7, 100, 4095, 8191, 32767, 65536, 99999, 100000};
  const size_t n = sizeof(positions) / sizeof(positions[0]);
  int checked = 0;
  for (size_t head_dim : {2u, 16u, 32u, 128u, 256u}) {
    for (size_t n_heads : {1u, 3u}) {
      for (RopeParams p : {RopeParams{10000.f, 1.f}, RopeParams{1000000.f, 1.f}, RopeParams{1000000.f, 8.f}}) {
        const std::vector<float> x = RandomFloats(rng, n * n_heads * head_dim);
        std::vector<float> y = x;
        ApplyRope(y.data(), n, n_heads, head_dim, positions, p);
        const size_t half = head_dim / 2;
        for (size_t t = 0; t < n; ++t) {
          for (size_t h = 0; h < n_heads; ++h) {
            const float* a = &x[(t * n_heads + h) * head_dim];
            const float* b = &y[(t * n_heads + h) * head_dim];
            for (size_t i = 0; i < half; ++i) {
              const std::string where = "head_dim=" + std::to_string(head_dim) + " base=" + std::to_string(p.base) +
                                        " scale=" + std::to_string(p.linear_scale) + " pos=" +
                                        std::to_string(positions[t]) + " head " + std::to_string(h) + " pair " +
                                        std::to_string(i);
              // The textbook formula in double: angle = pos / base^(2i/d) / scale. float32 cannot
              // hold an angle of 1e5 radians to better than a few 1e-3, so the tolerance grows
              // with the angle (a few float32 roundings of it).
              const double angle = positions[t] / std::pow(static_cast<double>(p.base), 2.0 * i / head_dim) /
                                   p.linear_scale;
              const double c = std::cos(angle), s = std::sin(angle);
              const double want0 = a[i] * c - a[i + half] * s, want1 = a[i + half] * c + a[i] * s;
              const double tol = 16 * std::ldexp(std::fabs(angle), -24) + 1e-6;
              ASSERT_NEAR(b[i], want0, tol) << where;
              ASSERT_NEAR(b[i + half], want1, tol) << where;
              // Against HuggingFace's float32 angle the rotation itself must be accurate.
              const float fa = HfAngle(positions[t], i, head_dim, p);
              const double hc = std::cos(static_cast<double>(fa)), hs = std::sin(static_cast<double>(fa));
              ASSERT_NEAR(b[i], a[i] * hc - a[i + half] * hs, 2e-6) << "float32 angle: " << where;
              ASSERT_NEAR(b[i + half], a[i + half] * hc + a[i] * hs, 2e-6) << "float32 angle: " << where;
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

TEST(RopeTest, LinearScaleDividesPositions) {
  // With linear scaling 8, position 8p rotates exactly like position p unscaled.
  std::mt19937 rng(3);
  const size_t head_dim = 32;
  const std::vector<float> x = RandomFloats(rng, head_dim);
  for (int32_t p : {1, 5, 1000, 12345}) {
    std::vector<float> scaled = x, plain = x;
    const int32_t pos8 = 8 * p;
    ApplyRope(scaled.data(), 1, 1, head_dim, &pos8, RopeParams{1000000.f, 8.f});
    ApplyRope(plain.data(), 1, 1, head_dim, &p, RopeParams{1000000.f, 1.f});
    for (size_t j = 0; j < head_dim; ++j) {
      ASSERT_NEAR(scaled[j], plain[j], 8 * std::ldexp(static_cast<double>(p), -24) + 1e-6) << "pos " << p << " dim " << j;
    }
  }
}

TEST(RopeTest, PositionZeroIsIdentity) {
  std::mt19937 rng(4);
  std::vector<float> x = RandomFloats(rng, 2 * 4 * 16);
  const std::vector<float> orig = x;
  const int32_t pos[] = {0, 0};
  ApplyRope(x.data(), 2, 4, 16, pos, RopeParams{});
  EXPECT_EQ(x, orig);
}

// ---------------------------------------------------------------------------------------------
// Activations

double GeluTanhDouble(double x) {
  const double kPi = 3.14159265358979323846;
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / kPi) * (x + 0.044715 * x * x * x)));
}

TEST(ActivationTest, GeluTanhMatchesDouble) {
  std::vector<float> xs = {0.f, -0.f, 1e-30f, -1e-30f, 1e-7f, 0.5f, -0.5f, 1.f, -1.f, 3.f, -3.f, 5.f, -5.f, 10.f, -10.f, 30.f, -30.f, 1e4f, -1e4f};
  std::mt19937 rng(8);
  for (float x : RandomFloats(rng, 20000, -12.f, 12.f)) xs.push_back(x);
  for (float x : xs) {
    const double want = GeluTanhDouble(x);
    // 1 + tanh(z) cancels for negative x: its absolute error is ~eps, scaled by |x| / 2.
    const double tol = 2e-6 * std::fabs(want) + 2e-7 * std::max(1.0, std::fabs(static_cast<double>(x)));
    ASSERT_NEAR(GeluTanh(x), want, tol) << "x=" << x;
  }
}

TEST(ActivationTest, GeGluIsGeluTimesUp) {
  std::mt19937 rng(9);
  for (size_t n : kOddSizes) {
    const std::vector<float> gate = RandomFloats(rng, n, -6.f, 6.f), up = RandomFloats(rng, n, -3.f, 3.f);
    std::vector<float> out(n, NAN);
    GeGlu(gate.data(), up.data(), out.data(), n);
    for (size_t i = 0; i < n; ++i) {
      const double want = GeluTanhDouble(gate[i]) * up[i];
      const double tol = 4e-6 * std::fabs(want) + 2e-7 * std::max(1.0, std::fabs(static_cast<double>(gate[i]))) * std::fabs(up[i]);
      ASSERT_NEAR(out[i], want, tol + 1e-30) << n << " " << i;
    }
    // In place over gate, as the decoder calls it.
    std::vector<float> g = gate;
    GeGlu(g.data(), up.data(), g.data(), n);
    EXPECT_EQ(g, out);
  }
}

TEST(ActivationTest, SoftCapMatchesDouble) {
  std::mt19937 rng(10);
  for (float cap : {30.f, 50.f, 1.f}) {
    for (size_t n : kOddSizes) {
      std::vector<float> x = RandomFloats(rng, n, -4 * cap, 4 * cap);
      if (n > 3) {
        x[0] = 0.f;
        x[1] = 1e6f;
        x[2] = -1e6f;
      }
      std::vector<float> y = x;
      SoftCap(y.data(), n, cap);
      for (size_t i = 0; i < n; ++i) {
        const double want = cap * std::tanh(static_cast<double>(x[i]) / cap);
        ASSERT_NEAR(y[i], want, 1e-6 * cap) << "cap=" << cap << " x=" << x[i];
        ASSERT_LE(std::fabs(y[i]), cap);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DType conversions

// IEEE half to float, by definition: (-1)^s · 2^(e-15) · (1 + m/1024), subnormals 2^-14 · m/1024.
float F16ToF32Ref(uint16_t h) {
  const bool neg = h & 0x8000;
  const int e = (h >> 10) & 0x1f;
  const int m = h & 0x3ff;
  double v;
  if (e == 0) {
    v = std::ldexp(static_cast<double>(m), -24);
  } else if (e == 31) {
    v = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else {
    v = std::ldexp(static_cast<double>(1024 + m), e - 25);
  }
  return static_cast<float>(neg ? -v : v);
}

// Float to IEEE half, round to nearest even, by definition: the nearest multiple of the quantum of
// the value's binade (2^-24 below 2^-14), overflowing to infinity from 65520 (= 65504 + half a
// quantum, a tie that goes to the even 2^16).
uint16_t F32ToF16Ref(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  if (std::isnan(f)) return sign | 0x7e00;
  const double a = std::fabs(static_cast<double>(f));
  if (a >= 65520.0) return sign | 0x7c00;
  int exp2;
  std::frexp(a, &exp2);  // a = frac · 2^exp2, frac in [0.5, 1)
  const int e = std::max(exp2 - 1, -14);
  const double quantum = std::ldexp(1.0, e - 10);
  const double r = std::nearbyint(a / quantum) * quantum;  // default rounding: to nearest even
  if (r == 0) return sign;
  if (r < std::ldexp(1.0, -14)) return static_cast<uint16_t>(sign | static_cast<uint16_t>(r / std::ldexp(1.0, -24)));
  std::frexp(r, &exp2);
  const int re = exp2 - 1;  // r may have rounded up into the next binade
  const int mant = static_cast<int>(std::ldexp(r, -re) * 1024.0) - 1024;
  return static_cast<uint16_t>(sign | ((re + 15) << 10) | mant);
}

// Float to bfloat16, round to nearest even, by comparing the two neighbours in double (infinity
// counts as 2^128, where the rounding of the largest finite floats lands).
uint16_t F32ToBF16Ref(float f) {
  const uint32_t bits = Bits(f);
  if (std::isnan(f)) return static_cast<uint16_t>((bits >> 16) | 0x40);
  const uint16_t lo = static_cast<uint16_t>(bits >> 16);  // toward zero
  if ((bits & 0xffff) == 0) return lo;
  const uint16_t hi = static_cast<uint16_t>(lo + 1);      // away from zero (0x7f80 / 0xff80: inf)
  auto value = [](uint16_t h) {
    if ((h & 0x7fff) == 0x7f80) return std::ldexp(1.0, 128);
    return std::fabs(static_cast<double>(BF16ToF32(h)));
  };
  const double a = std::fabs(static_cast<double>(f));
  const double dlo = a - value(lo), dhi = value(hi) - a;
  if (dlo < dhi) return lo;
  if (dhi < dlo) return hi;
  return (lo & 1) ? hi : lo;
}

TEST(DTypeTest, NamesAndSizes) {
  EXPECT_STREQ(DTypeName(DType::kF32), "F32");
  EXPECT_STREQ(DTypeName(DType::kF16), "F16");
  EXPECT_STREQ(DTypeName(DType::kBF16), "BF16");
  EXPECT_EQ(DTypeBytes(DType::kF32, 7), 28u);
  EXPECT_EQ(DTypeBytes(DType::kF16, 7), 14u);
  EXPECT_EQ(DTypeBytes(DType::kBF16, 7), 14u);
}

TEST(DTypeTest, F16ToF32AllBitPatterns) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = F16ToF32(static_cast<uint16_t>(h));
    const float want = F16ToF32Ref(static_cast<uint16_t>(h));
    if (std::isnan(want)) {
      ASSERT_TRUE(std::isnan(got)) << Hex(h);
      ASSERT_EQ(std::signbit(got), std::signbit(want)) << Hex(h);
      continue;
    }
    ASSERT_EQ(Bits(got), Bits(want)) << "half " << Hex(h) << ": got " << got << ", want " << want;
  }
}

TEST(DTypeTest, F16RoundTripsEveryValue) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = F16ToF32(static_cast<uint16_t>(h));
    if (std::isnan(f)) {
      const uint16_t back = F32ToF16(f);
      ASSERT_EQ(back & 0x7c00, 0x7c00) << Hex(h);
      ASSERT_NE(back & 0x3ff, 0) << Hex(h) << " must stay NaN";
      ASSERT_EQ(back & 0x8000, h & 0x8000) << Hex(h);
      continue;
    }
    ASSERT_EQ(F32ToF16(f), h) << Hex(h) << " (" << f << ")";
  }
}

TEST(DTypeTest, F32ToF16RoundsToNearestEven) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  std::vector<float> inputs = {0.f, -0.f, 1.f, -1.f, 65504.f, 65519.99f, 65520.f, -65520.f, 1e6f, -1e6f,
                               std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min(),
                               std::ldexp(1.f, -24), std::ldexp(1.f, -25), std::ldexp(1.5f, -25),
                               std::ldexp(1.f, -26), std::ldexp(1.f, -14), std::ldexp(1023.f, -24),
                               std::ldexp(2047.f, -25), 1.f + std::ldexp(1.f, -11), 1.f + std::ldexp(3.f, -11)};
  // Every half, the midpoints between neighbours (exact ties) and one float ulp either side.
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    for (uint32_t s : {0u, 0x8000u}) {
      const float a = F16ToF32(static_cast<uint16_t>(h | s));
      const float b = F16ToF32(static_cast<uint16_t>((h + 1) | s));  // h + 1 = 0x7c00: infinity
      const float mid = h + 1 == 0x7c00 ? (s ? -65520.f : 65520.f) : static_cast<float>((static_cast<double>(a) + b) / 2);
      inputs.insert(inputs.end(), {a, mid, std::nextafter(mid, 0.f), std::nextafter(mid, s ? -1e9f : 1e9f)});
    }
  }
  // Random float bit patterns over the whole range, NaNs included.
  std::mt19937 rng(12);
  for (int i = 0; i < 200000; ++i) inputs.push_back(FromBits(static_cast<uint32_t>(rng())));
  for (uint32_t nan : {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fbfffffu}) inputs.push_back(FromBits(nan));

  for (float f : inputs) {
    const uint16_t got = F32ToF16(f), want = F32ToF16Ref(f);
    if (std::isnan(f)) {
      ASSERT_EQ(got & 0x7c00, 0x7c00) << Hex(Bits(f));
      ASSERT_NE(got & 0x3ff, 0) << "NaN must stay NaN: " << Hex(Bits(f));
      ASSERT_EQ(got & 0x8000, want & 0x8000) << Hex(Bits(f));
      continue;
    }
    ASSERT_EQ(got, want) << "float " << Hex(Bits(f)) << " (" << f << "): got " << Hex(got) << ", want " << Hex(want);
  }
}

TEST(DTypeTest, F16Specials) {
  EXPECT_EQ(F32ToF16(65520.f), 0x7c00);  // overflow rounds to infinity
  EXPECT_EQ(F32ToF16(65519.f), 0x7bff);
  EXPECT_EQ(F32ToF16(-1e30f), 0xfc00);
  EXPECT_EQ(F32ToF16(std::ldexp(1.f, -24)), 0x0001);   // smallest subnormal
  EXPECT_EQ(F32ToF16(std::ldexp(1.f, -25)), 0x0000);   // tie to even: zero
  EXPECT_EQ(F32ToF16(std::ldexp(3.f, -25)), 0x0002);   // tie to even: 2
  EXPECT_EQ(F32ToF16(-std::ldexp(1.f, -26)), 0x8000);  // underflow keeps the sign
  EXPECT_EQ(F16ToF32(0x3c00), 1.f);
  EXPECT_EQ(F16ToF32(0xc000), -2.f);
  EXPECT_EQ(F16ToF32(0x7bff), 65504.f);
  EXPECT_EQ(F16ToF32(0x0001), std::ldexp(1.f, -24));
  EXPECT_EQ(F16ToF32(0x03ff), std::ldexp(1023.f, -24));
  EXPECT_TRUE(std::isinf(F16ToF32(0x7c00)));
  EXPECT_TRUE(std::isnan(F16ToF32(0x7e00)));
  EXPECT_TRUE(std::signbit(F16ToF32(0x8000)));
}

TEST(DTypeTest, BF16RoundTripsEveryValue) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = BF16ToF32(static_cast<uint16_t>(h));
    ASSERT_EQ(Bits(f), h << 16);
    if (std::isnan(f)) {
      const uint16_t back = F32ToBF16(f);
      ASSERT_TRUE(std::isnan(BF16ToF32(back))) << Hex(h);
      ASSERT_EQ(back & 0x8000, h & 0x8000) << Hex(h);
      continue;
    }
    ASSERT_EQ(F32ToBF16(f), h) << Hex(h) << " (" << f << ")";
  }
}

TEST(DTypeTest, F32ToBF16RoundsToNearestEven) {
  std::vector<float> inputs = {0.f, -0.f, 1.f, 3.140625f, 3.14159265f, -2.7182818f, 1e-40f, -1e-45f,
                               std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                               std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                               std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
                               FromBits(0x3f808000u) /* tie, even below */, FromBits(0x3f818000u) /* tie, odd below */,
                               FromBits(0x7f7f8000u) /* tie at the top: to infinity */, FromBits(0x7f7f7fffu)};
  std::mt19937 rng(13);
  for (int i = 0; i < 200000; ++i) inputs.push_back(FromBits(static_cast<uint32_t>(rng())));
  for (int i = 0; i < 20000; ++i) inputs.push_back(FromBits((static_cast<uint32_t>(rng()) & 0xffff0000u) | 0x8000u));  // ties
  for (float f : inputs) {
    const uint16_t got = F32ToBF16(f), want = F32ToBF16Ref(f);
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(BF16ToF32(got))) << "NaN must stay NaN: " << Hex(Bits(f));
      ASSERT_EQ(got & 0x8000, want & 0x8000);
      continue;
    }
    ASSERT_EQ(got, want) << "float " << Hex(Bits(f)) << " (" << f << "): got " << Hex(got) << ", want " << Hex(want);
  }
  EXPECT_EQ(F32ToBF16(FromBits(0x3f808000u)), 0x3f80);
  EXPECT_EQ(F32ToBF16(FromBits(0x3f818000u)), 0x3f82);
  EXPECT_EQ(F32ToBF16(FromBits(0x7f7f8000u)), 0x7f80);
  EXPECT_TRUE(std::isnan(BF16ToF32(F32ToBF16(FromBits(0x7f800001u)))));  // a NaN whose top half is infinity
}

TEST(DTypeTest, ConvertToF32MatchesScalarConversions) {
  std::mt19937 rng(14);
  for (size_t n : kOddSizes) {
    std::vector<uint16_t> h(n);
    for (uint16_t& v : h) v = static_cast<uint16_t>(rng());
    std::vector<float> out(n);
    ConvertToF32(DType::kF16, h.data(), out.data(), n);
    for (size_t i = 0; i < n; ++i) {
      const float want = F16ToF32(h[i]);
      ASSERT_TRUE(Bits(out[i]) == Bits(want) || (std::isnan(out[i]) && std::isnan(want))) << Hex(h[i]);
    }
    ConvertToF32(DType::kBF16, h.data(), out.data(), n);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(Bits(out[i]), static_cast<uint32_t>(h[i]) << 16);
    const std::vector<float> f = RandomFloats(rng, n, -1e3f, 1e3f);
    ConvertToF32(DType::kF32, f.data(), out.data(), n);
    EXPECT_EQ(out, f);
  }
}

}  // namespace
}  // namespace gemmakit
