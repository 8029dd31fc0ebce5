// The KV cache: element types (encode/decode bounds, attention over typed and paged rows), its
// memory against the formula, sliding-window rings against a full cache on every golden with
// sliding layers (bit-identical logits, chunks smaller and larger than the window, across
// Truncate), and the logit drift of bf16 / f16 / q8_0 caches against f32.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "kernels/attention/attention.h"
#include "kernels/attention/kv_rows.h"
#include "model/architecture.h"
#include "model/gemma/gemma_decoder.h"
#include "model/kv_cache.h"
#include "runtime/model_impl.h"
#include "test_util.h"

namespace gemmakit {
namespace {

// The goldens whose configs have sliding-window layers (window 8 in all of them).
const char* const kSlidingModels[] = {"gemma2-tiny", "gemma2-mini", "gemma3-tiny",
                                      "gemma3-tiny-scaled", "gemma3-mini", "gemma3-mini-scaled"};

struct Prompt {
  std::vector<int32_t> ids;
  std::vector<float> logits;  // the reference's, [ids.size(), vocab]
};

// The longest prompt of a golden: 38 to 83 tokens, several windows long.
Prompt LongestPrompt(const std::string& model) {
  const nlohmann::json g = nlohmann::json::parse(test::ReadFile(test::DataPath(model + "/golden.json")));
  const nlohmann::json* best = nullptr;
  for (const auto& c : g.at("cases")) {
    if (!best || c.at("ids").size() > best->at("ids").size()) best = &c;
  }
  Prompt p;
  p.ids = best->at("ids").get<std::vector<int32_t>>();
  p.logits = test::ReadF32File(test::DataPath(model + "/" + best->at("logits_file").get<std::string>()));
  return p;
}

// All logits of `ids` evaluated in chunks of `chunk` through the decoder, into `cache`.
std::vector<float> Prefill(const Model& model, KvCache& cache, const std::vector<int32_t>& ids, size_t chunk,
                           int64_t start = 0) {
  const Model::Impl& m = model.impl();
  std::vector<float> all, part;
  for (size_t off = static_cast<size_t>(start); off < ids.size(); off += chunk) {
    ForwardRequest req;
    req.tokens = ids.data() + off;
    req.n = std::min(chunk, ids.size() - off);
    req.start_pos = static_cast<int64_t>(off);
    req.all_logits = true;
    m.decoder->Forward(req, cache, part, nullptr);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

// ---------------------------------------------------------------------------------------------
// Element types

TEST(KvRowsTest, EncodeDecodeBounds) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-3.f, 3.f);
  for (size_t d : {16u, 48u, 256u}) {  // 48: a short last 8-bit block
    std::vector<float> x(d), scratch(d);
    for (float& v : x) v = dist(rng);
    x[d / 2] = 0.f;
    for (DType t : {DType::kF32, DType::kBF16, DType::kF16, DType::kQ8_0}) {
      ASSERT_TRUE(IsKvType(t));
      std::vector<uint8_t> bytes(KvHeadBytes(t, d) + 1, 0xAB);
      KvEncodeHead(t, x.data(), d, bytes.data());
      EXPECT_EQ(bytes.back(), 0xAB) << DTypeName(t) << ": wrote past the head";
      const float* y = KvDecodeHead(t, bytes.data(), d, scratch.data());
      for (size_t j = 0; j < d; ++j) {
        float bound = 0.f;
        if (t == DType::kBF16) bound = std::fabs(x[j]) * 0x1p-8f;
        if (t == DType::kF16) bound = std::fabs(x[j]) * 0x1p-11f;
        if (t == DType::kQ8_0) {
          const size_t lo = j / kKvQ8Block * kKvQ8Block, hi = std::min(d, lo + kKvQ8Block);
          float amax = 0.f;
          for (size_t i = lo; i < hi; ++i) amax = std::max(amax, std::fabs(x[i]));
          // Half a step, plus the f16 scale's rounding (2^-11 relative) times up to 127 steps.
          bound = amax / 127.f * (0.5f + 127.f * 0x1p-11f) + 1e-7f;
        }
        ASSERT_LE(std::fabs(y[j] - x[j]), bound) << DTypeName(t) << " d=" << d << " j=" << j;
      }
    }
  }
  EXPECT_EQ(KvHeadBytes(DType::kQ8_0, 256), 256u + 8 * 2);
  EXPECT_EQ(KvHeadBytes(DType::kQ8_0, 16), 16u + 2);
  // KV caches hold f32, bf16, f16 and q8_0 only: no weight-only block type.
  for (int i = 0; i < kNumDTypes; ++i) {
    const DType t = static_cast<DType>(i);
    const bool kv = t == DType::kF32 || t == DType::kBF16 || t == DType::kF16 || t == DType::kQ8_0;
    EXPECT_EQ(IsKvType(t), kv) << DTypeName(t);
  }
}

// Attention over a paged, typed ring cache equals the reference, and the reference itself equals
// double-precision attention over the decoded rows.
TEST(KvRowsTest, AttentionReadsTypedPagedRings) {
  ModelConfig c;
  c.n_heads = 4;
  c.n_kv_heads = 2;
  c.head_dim = 48;
  c.layers.resize(2);
  c.layers[0].sliding = true;
  c.layers[0].window = 20;
  AssignOwnKvStores(c);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  const int64_t n = 70, chunk = 5;
  for (DType t : {DType::kF32, DType::kBF16, DType::kF16, DType::kQ8_0}) {
    KvCache cache(c, 1000, chunk, t);
    cache.Reserve(n);
    const size_t kv_dim = 2 * 48;
    std::vector<float> k(kv_dim), v(kv_dim);
    for (int64_t p = 0; p < n; ++p) {
      for (size_t l = 0; l < 2; ++l) {
        for (float& x : k) x = dist(rng);
        for (float& x : v) x = dist(rng);
        cache.Store(l, p, k.data(), v.data());
      }
    }
    EXPECT_EQ(cache.ring_size(0), 24);
    EXPECT_EQ(cache.allocated_slots(0), 24u);
    EXPECT_EQ(cache.allocated_slots(1), 80u);  // 70 rounded up to pages of 16
    EXPECT_EQ(cache.held_begin(0), n - 24);
    for (size_t l = 0; l < 2; ++l) {
      const KvView kv = cache.View(l);
      std::vector<int32_t> begin, end;
      for (int32_t q = 60; q < 70; ++q) {
        begin.push_back(l == 0 ? q - 19 : 0);
        end.push_back(q + 1);
      }
      const size_t nq = begin.size();
      std::vector<float> q(nq * 4 * 48);
      for (float& x : q) x = dist(rng) * 3.f;
      AttentionParams ap;
      ap.scale = 0.2f;
      std::vector<float> got(q.size()), want(q.size());
      Attention(q.data(), nq, 4, AttentionMask::Ranges(begin.data(), end.data()), kv, ap, got.data(), nullptr);
      AttentionReference(q.data(), nq, 4, AttentionMask::Ranges(begin.data(), end.data()), kv, ap, want.data());
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 2e-5) << DTypeName(t) << " layer " << l;
      // The bf16 blocks of fast-precision prompts read the same pages and ring slots.
      std::vector<float> blocked(q.size(), NAN);
      AttentionBF16(q.data(), nq, 4, AttentionMask::Ranges(begin.data(), end.data()), kv, ap, blocked.data(), nullptr);
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(blocked[i], want[i], 3e-2) << DTypeName(t) << " layer " << l;
      // Independently: decode every row the query sees and attend in double.
      std::vector<float> row(48);
      for (size_t i = 0; i < nq; ++i) {
        for (size_t h = 0; h < 4; ++h) {
          const size_t g = h / 2;
          std::vector<double> w;
          double mx = -INFINITY, sum = 0;
          for (int32_t p = begin[i]; p < end[i]; ++p) {
            const uint8_t* kr = cache.KeyRow(l, p) + g * KvHeadBytes(t, 48);
            const float* kf = KvDecodeHead(t, kr, 48, row.data());
            double s = 0;
            for (size_t j = 0; j < 48; ++j) s += static_cast<double>(q[(i * 4 + h) * 48 + j]) * kf[j];
            w.push_back(s * 0.2);
            mx = std::max(mx, w.back());
          }
          for (double& s : w) sum += (s = std::exp(s - mx));
          std::vector<double> o(48, 0.0);
          for (size_t pi = 0; pi < w.size(); ++pi) {
            const uint8_t* vr = cache.ValueRow(l, begin[i] + static_cast<int32_t>(pi)) + g * KvHeadBytes(t, 48);
            const float* vf = KvDecodeHead(t, vr, 48, row.data());
            for (size_t j = 0; j < 48; ++j) o[j] += w[pi] / sum * vf[j];
          }
          for (size_t j = 0; j < 48; ++j) ASSERT_NEAR(want[(i * 4 + h) * 48 + j], o[j], 1e-6);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Memory

TEST(KvCacheTest, BytesFollowTheFormulaAndRingsStopGrowing) {
  ModelConfig c;
  c.n_heads = 4;
  c.n_kv_heads = 1;
  c.head_dim = 256;
  c.context_length = 4096;
  c.layers.resize(6);
  for (size_t i = 0; i < 6; ++i) {
    c.layers[i].sliding = (i + 1) % 6 != 0;
    c.layers[i].window = 512;
  }
  AssignOwnKvStores(c);
  for (DType t : {DType::kF32, DType::kBF16, DType::kF16, DType::kQ8_0}) {
    for (int64_t chunk : {1, 64, 256}) {
      KvCache cache(c, c.context_length, chunk, t);
      const int64_t row = static_cast<int64_t>(KvHeadBytes(t, 256));
      for (int64_t n : {0, 1, 16, 17, 511, 512, 600, 1000, 4096}) {
        cache.Reserve(n);
        EXPECT_EQ(static_cast<int64_t>(cache.bytes()), KvCache::BytesFor(c, c.context_length, chunk, t, n));
        const int64_t paged = (n + 15) / 16 * 16;
        const int64_t ring = 512 + chunk - 1;
        EXPECT_EQ(static_cast<int64_t>(cache.bytes()), 2 * row * (5 * std::min(paged, ring) + paged))
            << DTypeName(t) << " chunk " << chunk << " n " << n;
        EXPECT_EQ(cache.allocated_slots(0), static_cast<size_t>(std::min(paged, ring)));
      }
    }
  }
  // A window as long as the context is no ring at all.
  KvCache plain(c, 300, 1, DType::kF32);
  EXPECT_EQ(plain.ring_size(0), 0);
  EXPECT_THROW(plain.Reserve(301), Error);
}

TEST(KvCacheTest, SessionReportsItsCacheAndTheModelFormulaAgrees) {
  auto model = Model::Load(test::DataPath("gemma3-tiny"));
  SessionOptions o;
  o.n_threads = 1;
  o.batch_size = 4;
  o.kv_type = KvType::kQ8_0;
  Session s(model, o);
  const std::vector<int32_t> ids = LongestPrompt("gemma3-tiny").ids;
  s.Evaluate(ids);
  EXPECT_EQ(static_cast<int64_t>(s.kv_cache_bytes()), KvCacheBytes(*model, static_cast<int64_t>(ids.size()), o));
  // 6 sliding layers of ring 8 + 4 - 1 = 11, one global layer of 96 slots; 1 kv head of 32.
  EXPECT_EQ(s.kv_cache_bytes(), 2u * (32 + 2) * (6 * 11 + 96));
}

// ---------------------------------------------------------------------------------------------
// Rings against a full cache

class RingTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RingTest, LogitsEqualAFullCache) {
  auto model = Model::Load(test::DataPath(GetParam()));
  const ModelConfig& c = model->impl().config;
  const int32_t w = c.max_window();
  ASSERT_GE(w, 8);
  const Prompt p = LongestPrompt(GetParam());
  const size_t vocab = static_cast<size_t>(c.vocab_size);
  // A chunk this large means no ring: the full cache.
  KvCache full(c, c.context_length, c.context_length, DType::kF32);
  for (size_t l = 0; l < full.n_stores(); ++l) ASSERT_EQ(full.ring_size(l), 0);
  // Smaller than, equal to and larger than the window.
  for (size_t chunk : {size_t{1}, size_t{3}, static_cast<size_t>(w), static_cast<size_t>(w) + 5}) {
    full.Clear();
    const std::vector<float> want = Prefill(*model, full, p.ids, chunk);
    KvCache ring(c, c.context_length, static_cast<int64_t>(chunk), DType::kF32);
    const std::vector<float> got = Prefill(*model, ring, p.ids, chunk);
    int64_t ring_size = 0;
    for (size_t l = 0; l < ring.n_stores(); ++l) ring_size = std::max(ring_size, ring.ring_size(l));
    ASSERT_EQ(ring_size, static_cast<int64_t>(w + chunk - 1));
    ASSERT_LT(ring_size, static_cast<int64_t>(p.ids.size())) << "the prompt must wrap the ring";
    ASSERT_EQ(got.size(), p.ids.size() * vocab);
    // The same keys are read in the same order: bit-identical.
    EXPECT_EQ(0, std::memcmp(got.data(), want.data(), got.size() * sizeof(float))) << "chunk " << chunk;
    float worst = 0.f;
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::fabs(got[i] - p.logits[i]));
    EXPECT_LE(worst, 1e-3f) << "against the reference's logits, chunk " << chunk;
  }
}

// Truncating a session whose rings have wrapped, then evaluating the rest again, gives the
// logits a never-truncated session gave: exactly when nothing had to be recomputed (the ring's
// chunk slack), to float rounding when keys were recomputed in other chunks.
TEST_P(RingTest, TruncateRebuildsOverwrittenKeys) {
  auto model = Model::Load(test::DataPath(GetParam()));
  const Prompt p = LongestPrompt(GetParam());
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  const int64_t n = static_cast<int64_t>(p.ids.size());
  SessionOptions o;
  o.n_threads = 1;
  o.batch_size = 3;  // rings of 10 positions
  Session ref(model, o);
  ref.Evaluate(p.ids, true);
  std::vector<float> want(ref.logits(0), ref.logits(0) + static_cast<size_t>(n) * vocab);
  for (int64_t back : {int64_t{1}, int64_t{2}, int64_t{12}, n - 9, n - 1, n}) {
    Session s(model, o);
    s.Evaluate(p.ids, false);
    const int64_t keep = n - back;
    s.Truncate(keep);
    ASSERT_EQ(s.n_past(), keep);
    s.Evaluate(std::vector<int32_t>(p.ids.begin() + keep, p.ids.end()), true);
    ASSERT_EQ(s.logits_rows(), static_cast<size_t>(back));
    const float* got = s.logits(0);
    const float* expect = want.data() + static_cast<size_t>(keep) * vocab;
    float worst = 0.f;
    for (size_t i = 0; i < static_cast<size_t>(back) * vocab; ++i) worst = std::max(worst, std::fabs(got[i] - expect[i]));
    if (back <= 2) {
      EXPECT_EQ(worst, 0.f) << "within the ring's slack nothing is recomputed; back " << back;
    } else {
      EXPECT_LE(worst, 2e-5f) << "back " << back;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Drift of the narrower element types

struct Drift {
  double max_abs = 0, mean_kl = 0, top1 = 0;
};

// Logits of every position of every case of a golden with caches of `types`, against f32.
std::vector<Drift> MeasureDrift(const std::string& folder, const std::vector<KvType>& types) {
  const auto model = Model::Load(test::DataPath(folder));
  const nlohmann::json g = nlohmann::json::parse(test::ReadFile(test::DataPath(folder + "/golden.json")));
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  std::vector<Drift> out(types.size());
  std::vector<size_t> agree(types.size(), 0);
  size_t rows = 0;
  for (const auto& c : g.at("cases")) {
    const std::vector<int32_t> ids = c.at("ids").get<std::vector<int32_t>>();
    SessionOptions o;
    o.n_threads = 1;
    o.batch_size = 5;  // rings wrap, as they will in long conversations
    Session ref(model, o);
    ref.Evaluate(ids, true);
    for (size_t t = 0; t < types.size(); ++t) {
      o.kv_type = types[t];
      Session got(model, o);
      got.Evaluate(ids, true);
      Drift& d = out[t];
      for (size_t r = 0; r < ids.size(); ++r) {
        const float* a = ref.logits(r);
        const float* b = got.logits(r);
        double ma = -INFINITY, mb = -INFINITY, za = 0, zb = 0, kl = 0;
        size_t arg_a = 0, arg_b = 0;
        for (size_t i = 0; i < vocab; ++i) {
          d.max_abs = std::max(d.max_abs, static_cast<double>(std::fabs(a[i] - b[i])));
          if (a[i] > ma) ma = a[i], arg_a = i;
          if (b[i] > mb) mb = b[i], arg_b = i;
        }
        for (size_t i = 0; i < vocab; ++i) za += std::exp(a[i] - ma), zb += std::exp(b[i] - mb);
        for (size_t i = 0; i < vocab; ++i) {
          const double la = a[i] - ma - std::log(za), lb = b[i] - mb - std::log(zb);
          kl += std::exp(la) * (la - lb);
        }
        d.mean_kl += kl;
        agree[t] += arg_a == arg_b;
      }
    }
    rows += ids.size();
  }
  for (size_t t = 0; t < types.size(); ++t) {
    out[t].mean_kl /= static_cast<double>(rows);
    out[t].top1 = static_cast<double>(agree[t]) / static_cast<double>(rows);
  }
  return out;
}

// Thresholds: about twice the worst measured over the eight distinct goldens (the README lists
// the figures; the -mm variants share gemma3-tiny-scaled's weights). The random-weight goldens
// are more sensitive than trained models: their logits move by whole units for small changes of
// the keys.
TEST(KvTypeDriftTest, StaysWithinMeasuredBounds) {
  const char* const kAll[] = {"gemma1-tiny", "gemma2-tiny", "gemma3-tiny", "gemma3-tiny-scaled", "gemma1-mini",
                              "gemma2-mini", "gemma3-mini", "gemma3-mini-scaled"};
  struct Bound {
    const char* name;
    double max_abs, mean_kl, min_top1;
  };
  const std::vector<KvType> types = {KvType::kBF16, KvType::kF16, KvType::kQ8_0};
  const Bound kBounds[] = {
      // Measured worst (all eight goldens, every position): max |dlogit|, mean KL, top-1.
      {"bf16", 0.3, 3e-4, 0.98},  // 0.132, 1.26e-4, 1.000
      {"f16", 0.04, 5e-6, 0.99},  // 0.018, 2.3e-6, 1.000
      {"q8_0", 1.0, 3e-3, 0.93},  // 0.505, 1.30e-3, 0.955
  };
  std::vector<Drift> worst(types.size());
  for (Drift& w : worst) w.top1 = 1;
  for (const char* folder : kAll) {
    const std::vector<Drift> d = MeasureDrift(folder, types);
    for (size_t t = 0; t < types.size(); ++t) {
      std::printf("kv %-5s %-20s max|dlogit| %.3g  mean KL %.3g  top-1 %.4f\n", kBounds[t].name, folder, d[t].max_abs,
                  d[t].mean_kl, d[t].top1);
      worst[t].max_abs = std::max(worst[t].max_abs, d[t].max_abs);
      worst[t].mean_kl = std::max(worst[t].mean_kl, d[t].mean_kl);
      worst[t].top1 = std::min(worst[t].top1, d[t].top1);
    }
  }
  for (size_t t = 0; t < types.size(); ++t) {
    const Bound& b = kBounds[t];
    EXPECT_LE(worst[t].max_abs, b.max_abs) << b.name;
    EXPECT_LE(worst[t].mean_kl, b.mean_kl) << b.name;
    EXPECT_GE(worst[t].top1, b.min_top1) << b.name;
    EXPECT_GT(worst[t].max_abs, 0.0) << b.name << ": the cache did not change type";
  }
}

INSTANTIATE_TEST_SUITE_P(SlidingGoldens, RingTest, ::testing::ValuesIn(kSlidingModels),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           std::string s = i.param;
                           std::replace(s.begin(), s.end(), '-', '_');
                           return s;
                         });

}  // namespace
}  // namespace gemmakit
