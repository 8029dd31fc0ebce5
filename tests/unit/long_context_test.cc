// 131072 positions with Gemma 3 1B's attention geometry (4 query heads, 1 KV head of 256, window
// 512, five sliding layers to one global; six layers and a small hidden size, random weights).
// Prefilling 128K tokens through global attention costs ~3.5e13 flops, far beyond a unit test, so
// the cache state of the first 131060 positions is written directly (KvCache::Store, what the
// decoder itself calls) with keys and values drawn from a hash of (layer, position, element).
// The last 12 tokens are then evaluated for real, in chunks of 8 and 4, and every layer's
// attention output is compared with plain double-precision attention over those same keys: the
// written ones, recomputed from the hash, and the new ones, taken from the decoder's taps. The
// cache's memory must be what the formula says, with the sliding rings at window + chunk - 1.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "kernels/attention/attention.h"
#include "model/architecture.h"
#include "model/gemma/gemma_decoder.h"
#include "model/kv_cache.h"
#include "runtime/thread_pool.h"

namespace gemmakit {
namespace {

constexpr int64_t kContext = 131072;
constexpr int64_t kNew = 12;
constexpr int64_t kFilled = kContext - kNew;
constexpr int64_t kChunk = 8;
constexpr int kLayers = 6;
constexpr int kHidden = 64, kFf = 128, kVocab = 96, kHeads = 4, kHeadDim = 256, kWindow = 512;

// Keys and values of the written positions, as a pure function of where they are.
float Synthetic(int layer, int64_t pos, int which, int j) {
  uint64_t z = (static_cast<uint64_t>(layer) << 58) ^ (static_cast<uint64_t>(pos) << 20) ^
               (static_cast<uint64_t>(which) << 16) ^ static_cast<uint64_t>(j);
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) / static_cast<float>(1 << 24) * 2.f - 1.f;  // [-1, 1)
}

struct RandomModel {
  ModelConfig config;
  ModelWeights weights;
  std::vector<std::vector<float>> storage;

  MatrixView Matrix(size_t rows, size_t cols, float scale, std::mt19937& rng) {
    std::normal_distribution<float> dist(0.f, scale);
    storage.emplace_back(rows * cols);
    for (float& v : storage.back()) v = dist(rng);
    MatrixView m;
    m.dtype = DType::kF32;
    m.data = storage.back().data();
    m.rows = rows;
    m.cols = cols;
    return m;
  }
  static std::vector<float> Norm(size_t n, std::mt19937& rng) {
    std::uniform_real_distribution<float> dist(0.8f, 1.2f);
    std::vector<float> v(n);
    for (float& x : v) x = dist(rng);
    return v;
  }

  RandomModel() {
    ModelConfig& c = config;
    c.architecture = "gemma3";
    c.vocab_size = kVocab;
    c.hidden = kHidden;
    c.intermediate = kFf;
    c.n_heads = kHeads;
    c.n_kv_heads = 1;
    c.head_dim = kHeadDim;
    c.context_length = kContext;
    c.embed_scale = std::sqrt(static_cast<float>(kHidden));
    c.attn_scale = 1.f / std::sqrt(static_cast<float>(kHeadDim));
    c.sandwich_norms = true;
    c.qk_norm = true;
    c.layers.resize(kLayers);
    for (int i = 0; i < kLayers; ++i) {
      c.layers[i].sliding = (i + 1) % 6 != 0;
      c.layers[i].window = kWindow;
      c.layers[i].rope.base = c.layers[i].sliding ? 10000.f : 1000000.f;
      c.layers[i].ffn_width = kFf;
    }
    AssignOwnKvStores(c);
    storage.reserve(1 + 7 * kLayers);
    std::mt19937 rng(11);
    weights.embed = Matrix(kVocab, kHidden, 1.f / std::sqrt(static_cast<float>(kHidden)), rng);
    weights.lm_head = weights.embed;
    weights.final_norm = Norm(kHidden, rng);
    weights.layers.resize(kLayers);
    for (LayerWeights& l : weights.layers) {
      l.q_proj = Matrix(kHeads * kHeadDim, kHidden, 0.125f, rng);
      l.k_proj = Matrix(kHeadDim, kHidden, 0.125f, rng);
      l.v_proj = Matrix(kHeadDim, kHidden, 0.125f, rng);
      l.o_proj = Matrix(kHidden, kHeads * kHeadDim, 0.03f, rng);
      l.gate_proj = Matrix(kFf, kHidden, 0.125f, rng);
      l.up_proj = Matrix(kFf, kHidden, 0.125f, rng);
      l.down_proj = Matrix(kHidden, kFf, 0.09f, rng);
      l.input_norm = Norm(kHidden, rng);
      l.post_attn_norm = Norm(kHidden, rng);
      l.pre_ffw_norm = Norm(kHidden, rng);
      l.post_ffw_norm = Norm(kHidden, rng);
      l.q_norm = Norm(kHeadDim, rng);
      l.k_norm = Norm(kHeadDim, rng);
    }
  }
};

TEST(LongContextTest, Reaches131072PositionsWithRingsAndAGlobalLayer) {
  RandomModel m;
  GemmaDecoder decoder(m.config, m.weights);
  KvCache cache(m.config, kContext, kChunk, DType::kF32);
  const int64_t ring = kWindow + kChunk - 1;

  // The state after kFilled positions: global layers hold all, rings only their last `ring`.
  cache.Reserve(kFilled);
  std::vector<float> k(kHeadDim), v(kHeadDim);
  for (int l = 0; l < kLayers; ++l) {
    const int64_t first = m.config.layers[l].sliding ? kFilled - ring : 0;
    for (int64_t p = first; p < kFilled; ++p) {
      for (int j = 0; j < kHeadDim; ++j) {
        k[j] = Synthetic(l, p, 0, j);
        v[j] = Synthetic(l, p, 1, j);
      }
      cache.Store(static_cast<size_t>(l), p, k.data(), v.data());
    }
  }

  // The last tokens, for real; every layer's q, k, v and attention output recorded.
  std::map<std::pair<std::string, int>, std::vector<float>> taps;
  const DebugTap tap = [&](const char* name, int layer, const float* data, size_t rows, size_t cols) {
    const std::string n = name;
    if (n == "q" || n == "k" || n == "v" || n == "attn") taps[{n, layer}].insert(taps[{n, layer}].end(), data, data + rows * cols);
  };
  std::vector<int32_t> tokens(kNew);
  for (int64_t i = 0; i < kNew; ++i) tokens[i] = static_cast<int32_t>((i * 37 + 5) % kVocab);
  ThreadPool pool(2);
  std::vector<float> logits;
  for (int64_t off = 0; off < kNew; off += kChunk) {
    ForwardRequest req;
    req.tokens = tokens.data() + off;
    req.n = static_cast<size_t>(std::min(kChunk, kNew - off));
    req.start_pos = kFilled + off;
    req.all_logits = true;
    decoder.Forward(req, cache, logits, &pool, &tap);
    for (float x : logits) ASSERT_TRUE(std::isfinite(x));
  }

  // Memory: the formula, and rings that stopped at window + chunk - 1.
  const size_t row = kHeadDim * sizeof(float);
  EXPECT_EQ(static_cast<int64_t>(cache.bytes()), KvCache::BytesFor(m.config, kContext, kChunk, DType::kF32, kContext));
  EXPECT_EQ(cache.bytes(), 2 * row * static_cast<size_t>(5 * ring + kContext));
  for (int l = 0; l < kLayers; ++l) {
    EXPECT_EQ(cache.allocated_slots(static_cast<size_t>(l)), static_cast<size_t>(m.config.layers[l].sliding ? ring : kContext));
  }

  // Attention of every new query, in double, over exactly the keys it may see.
  const float scale = m.config.attn_scale;
  int checked = 0;
  for (int l = 0; l < kLayers; ++l) {
    const bool sliding = m.config.layers[l].sliding;
    const std::vector<float>& q = taps[{"q", l}];
    const std::vector<float>& nk = taps[{"k", l}];
    const std::vector<float>& nv = taps[{"v", l}];
    const std::vector<float>& got = taps[{"attn", l}];
    ASSERT_EQ(got.size(), static_cast<size_t>(kNew * kHeads * kHeadDim));
    auto key = [&](int64_t p, int j) { return p < kFilled ? Synthetic(l, p, 0, j) : nk[(p - kFilled) * kHeadDim + j]; };
    auto value = [&](int64_t p, int j) { return p < kFilled ? Synthetic(l, p, 1, j) : nv[(p - kFilled) * kHeadDim + j]; };
    for (int64_t i = 0; i < kNew; ++i) {
      // The global layer's reference reads 131K keys per query: check the chunks' edges.
      if (!sliding && i != 0 && i != kChunk - 1 && i != kChunk && i != kNew - 1) continue;
      const int64_t pos = kFilled + i;
      const int64_t begin = sliding ? pos - kWindow + 1 : 0;
      for (int h = 0; h < kHeads; ++h) {
        const float* qh = &q[(i * kHeads + h) * kHeadDim];
        std::vector<double> w(static_cast<size_t>(pos + 1 - begin));
        double mx = -INFINITY;
        for (int64_t p = begin; p <= pos; ++p) {
          double s = 0;
          for (int j = 0; j < kHeadDim; ++j) s += static_cast<double>(qh[j]) * key(p, j);
          w[p - begin] = s * scale;
          mx = std::max(mx, w[p - begin]);
        }
        double sum = 0;
        for (double& s : w) sum += (s = std::exp(s - mx));
        std::vector<double> out(kHeadDim, 0.0);
        for (int64_t p = begin; p <= pos; ++p) {
          const double wp = w[p - begin] / sum;
          for (int j = 0; j < kHeadDim; ++j) out[j] += wp * value(p, j);
        }
        for (int j = 0; j < kHeadDim; ++j) {
          ASSERT_NEAR(got[(i * kHeads + h) * kHeadDim + j], out[j], sliding ? 1e-5 : 1e-4)
              << "layer " << l << " position " << pos << " head " << h << " dim " << j;
        }
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 5 * kNew * kHeads + 4 * kHeads);
}

}  // namespace
}  // namespace gemmakit
