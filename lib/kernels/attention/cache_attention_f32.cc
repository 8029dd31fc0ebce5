// Attention for many queries at once in float32: exact-precision prompts everywhere, and every
// prompt on CPUs without bf16 dot products. The per-query kernel decodes each key and value once
// per query; here the products are float32 GEMMs (MatMul) over keys and values decoded once per
// block of queries.
//
// A task is one block of query positions and one KV head. The queries of every head of that KV
// head's group are stacked into one GEMM input (they meet the same keys under the same mask), so
// 32 positions of a 4-head group are 128 inputs against each key. Keys come in chunks with a
// running maximum and sum per query (flash attention's online softmax), so a long cache needs no
// more than one chunk of keys and values decoded at a time.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/matmul.h"

namespace gemmakit {
namespace {

constexpr size_t kQueryBlock = 32;

struct BlockScratch {
  std::vector<float> x;        // [stacked query][head_dim], scaled
  std::vector<float> keys;     // [chunk position][head_dim]
  std::vector<float> values;   // [head_dim][chunk position]: Vᵀ, the GEMM's weight rows
  std::vector<float> scores;   // [stacked query][chunk position]
  std::vector<float> part;     // [stacked query][head_dim]: one chunk's P·V
  std::vector<float> ctx;      // [stacked query][head_dim]: the running sum of P·V
  std::vector<float> max, sum;  // per stacked query
};

// Keys [c0, c0 + cols) of one KV head as float rows, and their values transposed.
void DecodeChunk(const KvView& kv, size_t kv_head, int64_t c0, size_t cols, BlockScratch& s) {
  const size_t d = kv.head_dim;
  s.keys.resize(cols * d);
  s.values.resize(d * cols);
  s.part.resize(std::max(s.part.size(), d));
  for (size_t c = 0; c < cols; ++c) {
    const int64_t pos = c0 + static_cast<int64_t>(c);
    float* key = s.keys.data() + c * d;
    const float* k = KvDecodeHead(kv.type, kv.KeyHead(pos, kv_head), d, key);
    if (k != key) std::memcpy(key, k, d * sizeof(float));
    const float* v = KvDecodeHead(kv.type, kv.ValueHead(pos, kv_head), d, s.part.data());
    for (size_t j = 0; j < d; ++j) s.values[j * cols + c] = v[j];
  }
}

// Scores of one chunk turned into exps against each query's running maximum, which moves up to
// the chunk's: the sums and the P·V so far are rescaled by exp(old max − new max).
void ExpChunk(const AttentionMask& mask, size_t i0, size_t rows, size_t m, int64_t c0, size_t cols,
              const AttentionParams& params, bool first_chunk, size_t d, BlockScratch& s) {
  for (size_t i = 0; i < m; ++i) {
    const size_t query = i0 + i % rows;
    const int64_t kb = mask.Begin(query), ke = mask.End(query);
    float* row = s.scores.data() + i * cols;
    float chunk_max = -std::numeric_limits<float>::infinity();
    for (size_t c = 0; c < cols; ++c) {
      const int64_t pos = c0 + static_cast<int64_t>(c);
      if (pos < kb || pos >= ke) {
        row[c] = -std::numeric_limits<float>::infinity();
        continue;
      }
      // Without a soft-cap the scale was folded into the queries.
      if (params.softcap > 0.f) row[c] = params.softcap * std::tanh(row[c] * params.scale / params.softcap);
      chunk_max = std::max(chunk_max, row[c]);
    }
    const float new_max = std::max(s.max[i], chunk_max);
    if (new_max == -std::numeric_limits<float>::infinity()) {
      std::fill_n(row, cols, 0.f);  // no key seen yet: nothing to add
      continue;
    }
    float chunk_sum = 0.f;
    for (size_t c = 0; c < cols; ++c) {
      row[c] = std::exp(row[c] - new_max);  // exp(−inf) = 0 outside the mask
      chunk_sum += row[c];
    }
    const float alpha = std::exp(s.max[i] - new_max);  // 0 while max[i] is still −inf
    s.sum[i] = s.sum[i] * alpha + chunk_sum;
    if (!first_chunk && alpha != 1.f) {
      float* ctx = s.ctx.data() + i * d;
      for (size_t j = 0; j < d; ++j) ctx[j] *= alpha;
    }
    s.max[i] = new_max;
  }
}

void AttendBlock(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
                 const AttentionParams& params, size_t block, size_t kv_head, size_t key_chunk, float* out,
                 BlockScratch& s) {
  const size_t d = kv.head_dim, group = n_heads / kv.n_kv_heads, q_stride = n_heads * d;
  const size_t i0 = block * kQueryBlock, rows = std::min(kQueryBlock, n - i0), m = group * rows;
  int64_t first = std::numeric_limits<int64_t>::max(), last = 0;
  for (size_t i = i0; i < i0 + rows; ++i) {
    if (mask.End(i) <= mask.Begin(i)) continue;
    first = std::min<int64_t>(first, mask.Begin(i));
    last = std::max<int64_t>(last, mask.End(i));
  }
  // Stacked query (hh, r): position i0 + r of head kv_head · group + hh.
  auto out_row = [&](size_t i) { return out + (i0 + i % rows) * q_stride + (kv_head * group + i / rows) * d; };
  if (first >= last) {
    for (size_t i = 0; i < m; ++i) std::fill_n(out_row(i), d, 0.f);
    return;
  }
  const float q_scale = params.softcap > 0.f ? 1.f : params.scale;
  s.x.resize(m * d);
  for (size_t i = 0; i < m; ++i) {
    const float* src = q + (i0 + i % rows) * q_stride + (kv_head * group + i / rows) * d;
    for (size_t j = 0; j < d; ++j) s.x[i * d + j] = src[j] * q_scale;
  }
  s.max.assign(m, -std::numeric_limits<float>::infinity());
  s.sum.assign(m, 0.f);
  s.ctx.resize(m * d);
  for (int64_t c0 = first; c0 < last; c0 += static_cast<int64_t>(key_chunk)) {
    const size_t cols = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(key_chunk), last - c0));
    const bool first_chunk = c0 == first;
    DecodeChunk(kv, kv_head, c0, cols, s);
    s.scores.resize(m * cols);
    MatMul(s.x.data(), m, MatrixView{DType::kF32, s.keys.data(), cols, d}, s.scores.data(), nullptr);
    ExpChunk(mask, i0, rows, m, c0, cols, params, first_chunk, d, s);
    const MatrixView values{DType::kF32, s.values.data(), d, cols};
    if (first_chunk) {
      MatMul(s.scores.data(), m, values, s.ctx.data(), nullptr);
    } else {
      s.part.resize(m * d);
      MatMul(s.scores.data(), m, values, s.part.data(), nullptr);
      for (size_t j = 0; j < m * d; ++j) s.ctx[j] += s.part[j];
    }
  }
  for (size_t i = 0; i < m; ++i) {
    const float inv = s.sum[i] > 0.f ? 1.f / s.sum[i] : 0.f;
    float* o = out_row(i);
    for (size_t j = 0; j < d; ++j) o[j] = s.ctx[i * d + j] * inv;
  }
}

}  // namespace

void AttentionBlockedF32(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
                         const AttentionParams& params, float* out, Executor* ex, size_t key_chunk) {
  const size_t blocks = (n + kQueryBlock - 1) / kQueryBlock;
  ParallelFor(ex, blocks * kv.n_kv_heads, 1, [&](size_t t0, size_t t1) {
    BlockScratch s;
    for (size_t t = t0; t < t1; ++t) {
      AttendBlock(q, n, n_heads, mask, kv, params, t / kv.n_kv_heads, t % kv.n_kv_heads, std::max<size_t>(key_chunk, 1),
                  out, s);
    }
  });
}

}  // namespace gemmakit
