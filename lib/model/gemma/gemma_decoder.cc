#include "model/gemma/gemma_decoder.h"

#include <algorithm>
#include <string>

#include "gemmakit/status.h"
#include "kernels/activation.h"
#include "kernels/attention.h"
#include "kernels/bf16_gemm.h"
#include "kernels/matmul.h"
#include "kernels/norm.h"
#include "kernels/rope.h"

namespace gemmakit {
namespace {
// Below this many queries in a segment, packing keys and values for bf16 products costs more
// than it saves.
constexpr size_t kMinBlockedAttentionQueries = 16;
}  // namespace

struct GemmaDecoder::Activations {
  size_t n = 0;
  std::vector<float> x;           // [n, hidden] the residual stream
  std::vector<float> normed;      // [n, hidden]
  std::vector<float> q, k, v;     // [n, q_dim], [n, kv_dim] ×2
  std::vector<float> attn;        // [n, q_dim]
  std::vector<float> block_out;   // [n, hidden]
  std::vector<float> gate, up;    // [n, intermediate]
  std::vector<int32_t> positions, key_begin, key_end;
  const DebugTap* tap = nullptr;

  void Tap(const char* name, int layer, const std::vector<float>& t, size_t cols) const {
    if (tap && *tap) (*tap)(name, layer, t.data(), n, cols);
  }
};

void GemmaDecoder::Embed(const ForwardRequest& req, Activations& a) const {
  const size_t d = static_cast<size_t>(c_.hidden);
  for (size_t i = 0; i < req.n; ++i) {
    float* row = &a.x[i * d];
    if (req.image_rows && req.image_rows[i]) {
      std::copy_n(req.image_rows[i], d, row);
      continue;
    }
    w_.embed.RowToF32(static_cast<size_t>(req.tokens[i]), row);
    for (size_t j = 0; j < d; ++j) row[j] *= c_.embed_scale;
  }
  a.Tap("embed", -1, a.x, d);
}

// norm → q, k, v → (q/k norm) → RoPE → cache → attention → o_proj → (post-norm) → residual
void GemmaDecoder::AttentionBlock(size_t il, const ForwardRequest& req, const std::vector<Segment>& segments,
                                  Activations& a, Executor* ex) const {
  const LayerWeights& lw = w_.layers[il];
  const LayerConfig& lc = c_.layers[il];
  const size_t n = a.n, d = static_cast<size_t>(c_.hidden), hd = static_cast<size_t>(c_.head_dim);
  const size_t nh = static_cast<size_t>(c_.n_heads), nkv = static_cast<size_t>(c_.n_kv_heads);
  const int layer = static_cast<int>(il);

  RmsNorm(a.x.data(), n, d, lw.input_norm.data(), c_.norm_eps, a.normed.data());
  MatMul(a.normed.data(), n, lw.q_proj, a.q.data(), ex, mm_);
  MatMul(a.normed.data(), n, lw.k_proj, a.k.data(), ex, mm_);
  MatMul(a.normed.data(), n, lw.v_proj, a.v.data(), ex, mm_);
  if (c_.qk_norm) {
    RmsNorm(a.q.data(), n * nh, hd, lw.q_norm.data(), c_.norm_eps, a.q.data());
    RmsNorm(a.k.data(), n * nkv, hd, lw.k_norm.data(), c_.norm_eps, a.k.data());
  }
  ApplyRope(a.q.data(), n, nh, hd, a.positions.data(), lc.rope);
  ApplyRope(a.k.data(), n, nkv, hd, a.positions.data(), lc.rope);
  a.Tap("q", layer, a.q, nh * hd);
  a.Tap("k", layer, a.k, nkv * hd);
  a.Tap("v", layer, a.v, nkv * hd);

  const size_t kv_dim = nkv * hd;
  const size_t store = static_cast<size_t>(lc.kv_store);
  if (lc.sliding || !req.keep_global_kv) {
    for (const Segment& s : segments) {
      for (size_t i = s.first; i < s.first + s.n; ++i) {
        s.cache->Store(store, s.start_pos + static_cast<int64_t>(i - s.first), &a.k[i * kv_dim], &a.v[i * kv_dim]);
      }
    }
  }
  const int32_t floor = static_cast<int32_t>(req.sliding_floor);
  for (size_t i = 0; i < n; ++i) {
    const int32_t pos = a.positions[i];
    // Causal; a sliding layer sees the query itself and the window - 1 positions before it.
    a.key_begin[i] = lc.sliding ? std::max(floor, pos - lc.window + 1) : 0;
    a.key_end[i] = pos + 1;
    if (req.image_rows && req.image_rows[i]) {
      a.key_begin[i] = std::min(a.key_begin[i], req.image_begin[i]);
      a.key_end[i] = std::max(a.key_end[i], req.image_end[i]);
    }
  }
  AttentionParams ap;
  ap.scale = c_.attn_scale;
  ap.softcap = c_.attn_softcap;
  const size_t q_dim = nh * hd;
  for (const Segment& s : segments) {
    // Fast precision: prompts' attention as bf16 matrix products; decode steps stay per query.
    const bool blocked = mm_.bf16_inputs && s.n >= kMinBlockedAttentionQueries && HasFastBF16Gemm();
    (blocked ? AttentionBF16 : Attention)(&a.q[s.first * q_dim], s.n, nh, &a.key_begin[s.first], &a.key_end[s.first],
                                          s.cache->View(store), ap, &a.attn[s.first * q_dim], ex);
  }
  a.Tap("attn", layer, a.attn, nh * hd);

  MatMul(a.attn.data(), n, lw.o_proj, a.block_out.data(), ex, mm_);
  if (c_.sandwich_norms) RmsNorm(a.block_out.data(), n, d, lw.post_attn_norm.data(), c_.norm_eps, a.block_out.data());
  a.Tap("attn_out", layer, a.block_out, d);
  for (size_t i = 0; i < n * d; ++i) a.x[i] += a.block_out[i];
}

// norm → gate, up → gelu(gate) · up → down → (post-norm) → residual
void GemmaDecoder::FeedForwardBlock(size_t il, Activations& a, Executor* ex) const {
  const LayerWeights& lw = w_.layers[il];
  const size_t n = a.n, d = static_cast<size_t>(c_.hidden), ff = static_cast<size_t>(c_.layers[il].ffn_width);
  RmsNorm(a.x.data(), n, d, lw.pre_ffw_norm.data(), c_.norm_eps, a.normed.data());
  MatMul(a.normed.data(), n, lw.gate_proj, a.gate.data(), ex, mm_);
  MatMul(a.normed.data(), n, lw.up_proj, a.up.data(), ex, mm_);
  (c_.activation == FfnActivation::kGelu ? GeGluErf : GeGlu)(a.gate.data(), a.up.data(), a.gate.data(), n * ff);
  MatMul(a.gate.data(), n, lw.down_proj, a.block_out.data(), ex, mm_);
  if (c_.sandwich_norms) RmsNorm(a.block_out.data(), n, d, lw.post_ffw_norm.data(), c_.norm_eps, a.block_out.data());
  a.Tap("ffw_out", static_cast<int>(il), a.block_out, d);
  for (size_t i = 0; i < n * d; ++i) a.x[i] += a.block_out[i];
}

void GemmaDecoder::Logits(const ForwardRequest& req, Activations& a, std::vector<float>& logits,
                          Executor* ex) const {
  const size_t d = static_cast<size_t>(c_.hidden), vocab = static_cast<size_t>(c_.vocab_size);
  const size_t first = req.all_logits ? 0 : a.n - 1;
  const size_t rows = a.n - first;
  RmsNorm(&a.x[first * d], rows, d, w_.final_norm.data(), c_.norm_eps, a.normed.data());
  logits.resize(rows * vocab);
  MatMul(a.normed.data(), rows, w_.lm_head, logits.data(), ex, mm_);
  if (c_.final_softcap > 0.f) SoftCap(logits.data(), logits.size(), c_.final_softcap);
}

void GemmaDecoder::Forward(const ForwardRequest& req, KvCache& cache, std::vector<float>& logits, Executor* ex,
                           const DebugTap* tap) const {
  // A ring holds window + max_chunk - 1 positions: a longer chunk would overwrite keys its own
  // first queries still need.
  if (static_cast<int64_t>(req.n) > cache.max_chunk()) {
    Fail(Status::kInvalidArgument, "forward pass of " + std::to_string(req.n) + " tokens exceeds the KV cache's chunk of " +
                                       std::to_string(cache.max_chunk()));
  }
  Run(req, {Segment{&cache, req.start_pos, 0, req.n}}, logits, ex, tap);
}

void GemmaDecoder::ForwardBatch(const DecodeStep* steps, size_t n, std::vector<float>& logits, Executor* ex) const {
  std::vector<int32_t> tokens(n);
  std::vector<Segment> segments(n);
  for (size_t i = 0; i < n; ++i) {
    tokens[i] = steps[i].token;
    segments[i] = Segment{steps[i].cache, steps[i].pos, i, 1};
  }
  ForwardRequest req;
  req.tokens = tokens.data();
  req.n = n;
  req.all_logits = true;
  Run(req, segments, logits, ex, nullptr);
}

void GemmaDecoder::Run(const ForwardRequest& req, const std::vector<Segment>& segments, std::vector<float>& logits,
                       Executor* ex, const DebugTap* tap) const {
  const size_t n = req.n;
  const size_t d = static_cast<size_t>(c_.hidden);
  Activations a;
  a.n = n;
  a.tap = tap;
  a.x.resize(n * d);
  a.normed.resize(n * d);
  a.q.resize(n * static_cast<size_t>(c_.q_dim()));
  a.k.resize(n * static_cast<size_t>(c_.kv_dim()));
  a.v.resize(n * static_cast<size_t>(c_.kv_dim()));
  a.attn.resize(n * static_cast<size_t>(c_.q_dim()));
  a.block_out.resize(n * d);
  a.gate.resize(n * static_cast<size_t>(c_.intermediate));
  a.up.resize(n * static_cast<size_t>(c_.intermediate));
  a.positions.resize(n);
  a.key_begin.resize(n);
  a.key_end.resize(n);
  for (const Segment& s : segments) {
    for (size_t i = s.first; i < s.first + s.n; ++i) {
      a.positions[i] = static_cast<int32_t>(s.start_pos + static_cast<int64_t>(i - s.first));
    }
    s.cache->Reserve(s.start_pos + static_cast<int64_t>(s.n));
  }
  Embed(req, a);
  for (size_t il = 0; il < w_.layers.size(); ++il) {
    AttentionBlock(il, req, segments, a, ex);
    FeedForwardBlock(il, a, ex);
  }
  Logits(req, a, logits, ex);
}

}  // namespace gemmakit
