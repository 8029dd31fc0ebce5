// Attention for many queries at once with bf16 products (Precision::kFast prompts). Per KV head,
// the keys of every position some query sees, and the values transposed (a row per head
// dimension), are packed into bf16 panels once; then each task takes a block of queries of one
// query head: scores = Q·Kᵀ over the block's key span, the mask and soft-cap per query, exps
// rounded to bf16, P·Vᵀ, and a division by the sums. Scores exist for one block at a time only.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/bf16_gemm.h"
#include "kernels/softmax.h"

namespace gemmakit {
namespace {

constexpr size_t kQueryBlock = 32;
constexpr size_t kLanes = kBF16PanelLanes;

uint32_t Pair(float lo, float hi) { return F32ToBF16(lo) | static_cast<uint32_t>(F32ToBF16(hi)) << 16; }

// Positions [first, last) of the cache, packed from position `base`: earlier rows stay zero and
// are never read from the cache (a ring may hold other positions in their slots).
struct Span {
  int64_t base, first, last;
  size_t size() const { return static_cast<size_t>(last - base); }
  bool Has(int64_t pos) const { return pos >= first && pos < last; }
};

// Row j = the key at position base + j.
void PackKeys(const KvView& kv, size_t kv_head, const Span& s, BF16Panels& out) {
  const size_t d = kv.head_dim;
  out.rows = s.size();
  out.pairs = BF16Pairs(d);
  out.words.assign(BF16PanelWords(out.rows, d), 0);
  std::vector<float> scratch(d);
  for (size_t r = static_cast<size_t>(s.first - s.base); r < out.rows; ++r) {
    const float* k = KvDecodeHead(kv.type, kv.KeyHead(s.base + static_cast<int64_t>(r), kv_head), d, scratch.data());
    uint32_t* dst = out.words.data() + (r / kLanes) * out.pairs * kLanes + r % kLanes;
    for (size_t c = 0; c < out.pairs; ++c) dst[c * kLanes] = Pair(k[2 * c], 2 * c + 1 < d ? k[2 * c + 1] : 0.f);
  }
}

// Row = a head dimension, column j = the value at position base + j: Vᵀ.
void PackValuesTransposed(const KvView& kv, size_t kv_head, const Span& s, BF16Panels& out) {
  const size_t d = kv.head_dim;
  out.rows = d;
  out.pairs = BF16Pairs(s.size());
  out.words.assign(BF16PanelWords(d, s.size()), 0);
  const std::vector<float> zeros(d, 0.f);
  std::vector<float> even(d), odd(d);
  auto value = [&](int64_t pos, std::vector<float>& scratch) {
    return s.Has(pos) ? KvDecodeHead(kv.type, kv.ValueHead(pos, kv_head), d, scratch.data()) : zeros.data();
  };
  for (size_t c = static_cast<size_t>(s.first - s.base) / 2; c < out.pairs; ++c) {
    const float* v0 = value(s.base + static_cast<int64_t>(2 * c), even);
    const float* v1 = value(s.base + static_cast<int64_t>(2 * c + 1), odd);
    for (size_t r = 0; r < d; ++r) out.words[(r / kLanes) * out.pairs * kLanes + c * kLanes + r % kLanes] = Pair(v0[r], v1[r]);
  }
}

}  // namespace

void AttentionBF16(const float* q, size_t n, size_t n_heads, const AttentionMask& mask,
                   const KvView& kv, const AttentionParams& params, float* out, Executor* ex) {
  const size_t d = kv.head_dim, group = n_heads / kv.n_kv_heads, q_stride = n_heads * d;
  Span all{0, INT64_MAX, 0};
  for (size_t i = 0; i < n; ++i) {
    if (mask.End(i) <= mask.Begin(i)) continue;
    all.first = std::min<int64_t>(all.first, mask.Begin(i));
    all.last = std::max<int64_t>(all.last, mask.End(i));
  }
  if (all.first >= all.last) {
    std::fill(out, out + n * q_stride, 0.f);
    return;
  }
  // From a multiple of 16 below the first position, so every block's span starts on a panel.
  all.base = all.first / static_cast<int64_t>(kLanes) * static_cast<int64_t>(kLanes);
  std::vector<BF16Panels> keys(kv.n_kv_heads), values(kv.n_kv_heads);
  ParallelFor(ex, kv.n_kv_heads * 2, 1, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      if (t % 2) {
        PackValuesTransposed(kv, t / 2, all, values[t / 2]);
      } else {
        PackKeys(kv, t / 2, all, keys[t / 2]);
      }
    }
  });
  const size_t blocks = (n + kQueryBlock - 1) / kQueryBlock;
  ParallelFor(ex, blocks * n_heads, 1, [&](size_t t0, size_t t1) {
    std::vector<float> scores, sums(kQueryBlock);
    std::vector<uint32_t> q_packed(kQueryBlock * BF16Pairs(d)), p_packed;
    for (size_t t = t0; t < t1; ++t) {
      const size_t b = t / n_heads, h = t % n_heads, g = h / group;
      const size_t i0 = b * kQueryBlock, rows = std::min(kQueryBlock, n - i0);
      float* o0 = out + i0 * q_stride + h * d;
      int64_t first = INT64_MAX, last = 0;
      for (size_t i = i0; i < i0 + rows; ++i) {
        if (mask.End(i) <= mask.Begin(i)) continue;
        first = std::min<int64_t>(first, mask.Begin(i));
        last = std::max<int64_t>(last, mask.End(i));
      }
      if (first >= last) {
        for (size_t r = 0; r < rows; ++r) std::fill_n(o0 + r * q_stride, d, 0.f);
        continue;
      }
      // The block's columns: packed rows [c0, c0 + cols), whole panels of keys.
      const size_t p0 = static_cast<size_t>(first - all.base) / kLanes;
      const size_t c0 = p0 * kLanes, cols = static_cast<size_t>(last - all.base) - c0;
      const BF16PanelsView& kall = keys[g].view();
      const BF16PanelsView kblock{kall.panel(p0), cols, kall.pairs, kall.panel_words()};
      scores.resize(rows * cols);
      PackInputPairs(q + i0 * q_stride + h * d, rows, d, q_stride, q_packed.data());
      GemmBF16(kblock, 0, kblock.n_panels(), q_packed.data(), rows, scores.data(), cols);
      const size_t pairs = BF16Pairs(cols);
      p_packed.resize(rows * pairs);
      for (size_t r = 0; r < rows; ++r) {
        float* row = scores.data() + r * cols;
        const int64_t kb = mask.Begin(i0 + r), ke = mask.End(i0 + r);
        for (size_t c = 0; c < cols; ++c) {
          const int64_t pos = all.base + static_cast<int64_t>(c0 + c);
          if (pos < kb || pos >= ke) {
            row[c] = -INFINITY;
            continue;
          }
          float s = row[c] * params.scale;
          if (params.softcap > 0.f) s = params.softcap * std::tanh(s / params.softcap);
          row[c] = s;
        }
        if (ke > kb) {
          sums[r] = ExpRowToBF16Pairs(row, cols, 1.f, p_packed.data() + r * pairs);
        } else {
          sums[r] = 0.f;
          std::fill_n(p_packed.data() + r * pairs, pairs, 0u);
        }
      }
      // c0 is a multiple of 16, so the block's values start on a column pair.
      const BF16PanelsView vblock = values[g].view().Columns(c0 / 2, c0 / 2 + pairs);
      GemmBF16(vblock, 0, vblock.n_panels(), p_packed.data(), rows, o0, q_stride);
      for (size_t r = 0; r < rows; ++r) {
        float* o = o0 + r * q_stride;
        const float inv = sums[r] > 0.f ? 1.f / sums[r] : 0.f;
        for (size_t j = 0; j < d; ++j) o[j] *= inv;
      }
    }
  });
}

}  // namespace gemmakit
