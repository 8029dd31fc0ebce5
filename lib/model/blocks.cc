#include "model/blocks.h"

#include <algorithm>
#include <string>

#include "gemmakit/status.h"
#include "kernels/activation.h"
#include "kernels/attention/attention.h"
#include "kernels/bf16_gemm.h"
#include "kernels/norm.h"
#include "kernels/rope.h"
#include "model/projection.h"

namespace gemmakit {
namespace {
// Below this many queries in a segment, decoding keys and values once for matrix products costs
// more than it saves.
constexpr size_t kMinBlockedAttentionQueries = 16;

}  // namespace

void BlockScratch::Resize(const ModelConfig& c, size_t n) {
  q.resize(n * static_cast<size_t>(c.q_dim()));
  k.resize(n * static_cast<size_t>(c.kv_dim()));
  v.resize(n * static_cast<size_t>(c.kv_dim()));
  attn.resize(n * static_cast<size_t>(c.q_dim()));
  gate.resize(n * static_cast<size_t>(c.intermediate));
  up.resize(n * static_cast<size_t>(c.intermediate));
  positions.resize(n);
  key_begin.resize(n);
  key_end.resize(n);
}

void BlockScratch::Place(const std::vector<Segment>& segments) {
  for (const Segment& s : segments) {
    for (size_t i = s.first; i < s.first + s.n; ++i) {
      positions[i] = static_cast<int32_t>(s.start_pos + static_cast<int64_t>(i - s.first));
    }
    s.cache->Reserve(s.start_pos + static_cast<int64_t>(s.n));
  }
}

void SelfAttention(const ModelConfig& c, size_t layer, const LayerWeights& lw, const float* normed, size_t n,
                   const ForwardRequest& req, const std::vector<Segment>& segments, BlockScratch& s, float* out,
                   Executor* ex, const MatMulOptions& mm, const BlockTap& tap) {
  const LayerConfig& lc = c.layers[layer];
  const size_t hd = static_cast<size_t>(c.head_dim);
  const size_t nh = static_cast<size_t>(c.n_heads), nkv = static_cast<size_t>(c.n_kv_heads);
  const size_t store = static_cast<size_t>(lc.kv_store);

  Project(Projection::kQ, layer, normed, n, lw.q_proj, segments, s.q.data(), ex, mm);
  const size_t q_dim = nh * hd, kv_dim = nkv * hd;
  // Per token: its heads' norms and rotation.
  auto norm_and_rotate = [&](float* x, size_t heads, const std::vector<float>& norm_scale) {
    ForPromptRows(ex, n, [&](size_t t0, size_t t1) {
      float* rows = x + t0 * heads * hd;
      if (c.qk_norm) RmsNorm(rows, (t1 - t0) * heads, hd, norm_scale.data(), c.norm_eps, rows);
      ApplyRope(rows, t1 - t0, heads, hd, &s.positions[t0], lc.rope);
    });
  };
  norm_and_rotate(s.q.data(), nh, lw.q_norm);
  if (tap) tap("q", s.q, nh * hd);

  if (c.writes_kv(layer)) {
    Project(Projection::kK, layer, normed, n, lw.k_proj, segments, s.k.data(), ex, mm);
    Project(Projection::kV, layer, normed, n, lw.v_proj, segments, s.v.data(), ex, mm);
    norm_and_rotate(s.k.data(), nkv, lw.k_norm);
    if (c.value_norm) {
      ForPromptRows(ex, n, [&](size_t t0, size_t t1) {
        float* rows = &s.v[t0 * kv_dim];
        RmsNorm(rows, (t1 - t0) * nkv, hd, nullptr, c.norm_eps, rows);
      });
    }
    if (tap) {
      tap("k", s.k, nkv * hd);
      tap("v", s.v, nkv * hd);
    }
    // A rebuild of sliding rings after a truncation leaves global layers' keys as they are.
    if (lc.sliding || !req.keep_global_kv) {
      for (const Segment& seg : segments) {
        for (size_t i = seg.first; i < seg.first + seg.n; ++i) {
          seg.cache->Store(store, seg.start_pos + static_cast<int64_t>(i - seg.first), &s.k[i * kv_dim], &s.v[i * kv_dim]);
        }
      }
    }
  }

  // The key range of each query: the layer's span around its position (ModelConfig::key_span),
  // within what its sequence's cache holds once this pass has stored its keys; media tokens
  // widen it to their item's range.
  const KeySpan span = c.key_span(layer);
  for (const Segment& seg : segments) {
    const int64_t held_end = seg.start_pos + static_cast<int64_t>(seg.n);
    for (size_t i = seg.first; i < seg.first + seg.n; ++i) {
      const int64_t pos = s.positions[i];
      s.key_begin[i] = static_cast<int32_t>(std::max(lc.sliding ? req.sliding_floor : 0, pos - span.behind));
      s.key_end[i] = static_cast<int32_t>(std::min(held_end, pos + span.ahead + 1));
      if (req.soft_rows && req.soft_rows[i] && req.soft_begin[i] < req.soft_end[i]) {
        s.key_begin[i] = std::min(s.key_begin[i], req.soft_begin[i]);
        s.key_end[i] = std::max(s.key_end[i], req.soft_end[i]);
      }
    }
  }
  AttentionParams ap;
  ap.scale = c.attn_scale;
  ap.softcap = c.attn_softcap;
  for (const Segment& seg : segments) {
    // Prompts' attention as matrix products (bf16 ones under fast precision where the CPU has
    // them); decode steps stay per query.
    const AttentionMask mask = AttentionMask::Ranges(&s.key_begin[seg.first], &s.key_end[seg.first]);
    const float* q = &s.q[seg.first * q_dim];
    float* attn = &s.attn[seg.first * q_dim];
    const KvView kv = seg.cache->View(store);
    if (seg.n < kMinBlockedAttentionQueries) {
      Attention(q, seg.n, nh, mask, kv, ap, attn, ex);
    } else if (mm.bf16_inputs && HasFastBF16Gemm()) {
      AttentionBF16(q, seg.n, nh, mask, kv, ap, attn, ex);
    } else {
      AttentionBlockedF32(q, seg.n, nh, mask, kv, ap, attn, ex);
    }
  }
  if (tap) tap("attn", s.attn, q_dim);
  Project(Projection::kO, layer, s.attn.data(), n, lw.o_proj, segments, out, ex, mm);
}

void GatedFeedForward(const ModelConfig& c, size_t layer, const LayerWeights& lw, const float* normed, size_t n,
                      const std::vector<Segment>& segments, BlockScratch& s, float* out, Executor* ex,
                      const MatMulOptions& mm) {
  const LayerConfig& lc = c.layers[layer];
  const size_t ff = static_cast<size_t>(lc.ffn_width);
  Project(Projection::kGate, layer, normed, n, lw.gate_proj, segments, s.gate.data(), ex, mm);
  Project(Projection::kUp, layer, normed, n, lw.up_proj, segments, s.up.data(), ex, mm);
  if (lc.activation_sparsity > 0.f) GaussianTopK(s.gate.data(), n, ff, lc.sparsity_z);
  auto* activation = c.activation == FfnActivation::kGelu ? GeGluErf : GeGlu;
  ForPromptRows(ex, n, [&](size_t r0, size_t r1) {
    for (size_t r = r0; r < r1; ++r) activation(&s.gate[r * ff], &s.up[r * ff], &s.gate[r * ff], ff);
  });
  Project(Projection::kDown, layer, s.gate.data(), n, lw.down_proj, segments, out, ex, mm);
}

void AddBlockOutput(const float* post_norm, float eps, size_t n, size_t d, float* out, float* x, Executor* ex) {
  ForPromptRows(ex, n, [&](size_t r0, size_t r1) {
    float* o = out + r0 * d;
    if (post_norm) RmsNorm(o, r1 - r0, d, post_norm, eps, o);
    for (size_t i = 0; i < (r1 - r0) * d; ++i) x[r0 * d + i] += o[i];
  });
}

}  // namespace gemmakit
