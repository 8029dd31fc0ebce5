// Gemma 3n's chunked local audio attention against a literal transcription of transformers'
// tensor program (Gemma3nAudioAttention + Gemma3nAudioRelativePositionEmbedding): zero-padded query
// blocks, key/value context frames cut by unfold, the relative shift done by padding, flattening
// and slicing, the causal-window and validity masks, softmax over the lowest float for masked
// keys. The golden checkpoint has no right context and no invalid steps; this covers both,
// including queries whose whole window is invalid (uniform softmax over the context).
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/matmul.h"
#include "multimodal/audio/audio_config.h"
#include "multimodal/audio/audio_weights.h"
#include "multimodal/audio/conformer_attention.h"

namespace gemmakit {
namespace {

struct Case {
  AudioConfig c;
  ConformerLayerWeights l;
  std::vector<std::vector<float>> mats;
};

std::vector<float> Random(size_t n, float scale, std::mt19937& rng) {
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

Case MakeCase(int64_t left, int64_t right, uint32_t seed) {
  Case k;
  AudioHParams hp;
  hp.hidden_size = 8;
  hp.conf_num_attention_heads = 2;
  hp.conf_attention_chunk_size = 4;
  hp.conf_attention_context_left = left;
  hp.conf_attention_context_right = right;
  hp.conf_attention_logit_cap = 3.0;  // small, so the cap bends the logits
  hp.vocab_offset = hp.text_vocab_size - 1;
  k.c = ResolveAudioConfig(hp);
  std::mt19937 rng(seed);
  const size_t d = 8;
  k.mats.reserve(4);
  auto mat = [&]() {
    k.mats.push_back(Random(d * d, 0.8f, rng));
    return MatrixView{DType::kF32, k.mats.back().data(), d, d};
  };
  k.l.q = mat();
  k.l.k = mat();
  k.l.v = mat();
  k.l.pos_proj = mat();
  k.l.per_dim_scale = Random(4, 0.5f, rng);
  return k;
}

// transformers' program, one tensor at a time, batch 1.
std::vector<float> Reference(const Case& k, const std::vector<float>& x, const std::vector<uint8_t>& valid) {
  const AudioConfig& c = k.c;
  const size_t T = valid.size(), D = 8, N = 2, H = 4;
  const size_t W = static_cast<size_t>(c.chunk), P = static_cast<size_t>(c.max_past), R = static_cast<size_t>(c.max_future);
  const size_t C = W + P + R, F = P + R + 1;
  std::vector<float> q(T * D), kk(T * D), v(T * D);
  MatMulReference(x.data(), T, k.l.q, q.data());
  MatMulReference(x.data(), T, k.l.k, kk.data());
  MatMulReference(x.data(), T, k.l.v, v.data());
  auto softplus = [](double z) { return std::log1p(std::exp(z)); };
  for (size_t t = 0; t < T; ++t) {
    for (size_t j = 0; j < D; ++j) q[t * D + j] *= static_cast<float>(std::pow(H, -0.5) / softplus(0) * softplus(k.l.per_dim_scale[j % H]));
  }
  // sin_emb [F, D] for positions P, P-1, ..., -R.
  std::vector<float> timing(F * D), sin_emb(F * D);
  const size_t half = D / 2;
  for (size_t f = 0; f < F; ++f) {
    const double pos = static_cast<double>(P) - static_cast<double>(f);
    for (size_t i = 0; i < half; ++i) {
      const double inv = std::exp(-static_cast<double>(i) * std::log(1e4) / static_cast<double>(half - 1));
      timing[f * D + i] = static_cast<float>(std::sin(pos * inv));
      timing[f * D + half + i] = static_cast<float>(std::cos(pos * inv));
    }
  }
  MatMulReference(timing.data(), F, k.l.pos_proj, sin_emb.data());
  // _convert_to_block / _extract_block_context
  const size_t U = (T + W - 1) / W;
  const size_t padded_len = P + T + R + W - 1;
  auto padded = [&](const std::vector<float>& a, size_t i, size_t j) {  // row i of the padded sequence
    return i >= P && i - P < T ? a[(i - P) * D + j] : 0.f;
  };
  EXPECT_EQ((padded_len - C) / W + 1, U);
  std::vector<float> out(U * W * D, 0.f);
  for (size_t n = 0; n < N; ++n) {
    for (size_t u = 0; u < U; ++u) {
      // term_bd before the shift: [W, F], padded to [W, C + 1]
      std::vector<float> bd_padded(W * (C + 1), 0.f);
      std::vector<float> ac(W * C, 0.f);
      for (size_t w = 0; w < W; ++w) {
        const size_t tq = u * W + w;
        for (size_t f = 0; f < F; ++f) {
          float s = 0;
          for (size_t h = 0; h < H; ++h) s += (tq < T ? q[tq * D + n * H + h] : 0.f) * sin_emb[f * D + n * H + h];
          bd_padded[w * (C + 1) + f] = s;
        }
        for (size_t ci = 0; ci < C; ++ci) {
          float s = 0;
          for (size_t h = 0; h < H; ++h) s += (tq < T ? q[tq * D + n * H + h] : 0.f) * padded(kk, u * W + ci, n * H + h);
          ac[w * C + ci] = s;
        }
      }
      for (size_t w = 0; w < W; ++w) {
        std::vector<float> logits(C);
        for (size_t ci = 0; ci < C; ++ci) {
          const float bd = bd_padded[w * C + ci];  // the flattened [W·(C+1)] cut to [W·C], read as [W, C]
          float s = std::tanh((ac[w * C + ci] + bd) / c.logit_cap) * c.logit_cap;
          const size_t i = u * W + ci;  // padded index of the key
          const bool key_valid = i >= P && i - P < T && valid[i - P];
          const bool causal = ci >= w && ci <= w + P + R;
          if (!(key_valid && causal)) s = -FLT_MAX;
          logits[ci] = s;
        }
        const float m = *std::max_element(logits.begin(), logits.end());
        float sum = 0;
        for (float& s : logits) sum += (s = std::exp(s - m));
        for (size_t ci = 0; ci < C; ++ci) {
          for (size_t h = 0; h < H; ++h) out[(u * W + w) * D + n * H + h] += logits[ci] / sum * padded(v, u * W + ci, n * H + h);
        }
      }
    }
  }
  out.resize(T * D);
  return out;
}

void ExpectMatches(int64_t left, int64_t right, size_t steps, const std::vector<uint8_t>& valid, uint32_t seed) {
  const Case k = MakeCase(left, right, seed);
  std::mt19937 rng(seed + 100);
  const std::vector<float> x = Random(steps * 8, 1.f, rng);
  std::vector<float> got(steps * 8);
  ConformerAttention(k.c, k.l, x.data(), valid.data(), steps, got.data(), nullptr);
  const std::vector<float> want = Reference(k, x, valid);
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], 1e-5) << "left " << left << " right " << right << " step " << i / 8 << " dim " << i % 8;
  }
}

TEST(AudioAttention, MatchesTransformersTensorProgram) {
  // Gemma's shape (no right context), a ragged last block, every step valid.
  ExpectMatches(5, 0, 11, std::vector<uint8_t>(11, 1), 1);
  // Right context, invalid steps in the middle and at the end.
  ExpectMatches(3, 2, 13, {1, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0}, 2);
  // No left context at all (context_left 0 → max_past 0) and exactly whole blocks.
  ExpectMatches(0, 1, 8, {1, 0, 1, 1, 1, 1, 1, 1}, 3);
  // A query whose whole window is invalid: steps 4..7 see only invalid keys (uniform softmax).
  ExpectMatches(2, 0, 9, {1, 1, 1, 1, 0, 0, 0, 0, 1}, 4);
}

}  // namespace
}  // namespace gemmakit
