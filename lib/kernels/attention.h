// Scaled dot-product attention of a block of queries over cached keys and values. Each query sees
// a caller-given range of key positions, which expresses causal, sliding-window and bidirectional
// (image) masks alike; scores are built one query at a time, never as an n×n matrix.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kv_rows.h"
#include "kernels/parallel.h"

namespace gemmakit {

// Keys and values of one layer. Slot s lives in page s >> page_shift, at row (s & mask) of it;
// a row is [n_kv_heads] heads of head_bytes bytes each, in element type `type` (kv_rows.h).
// Pages let a cache grow without moving what it holds; a plain array is one page.
struct KvView {
  const uint8_t* const* k_pages = nullptr;
  const uint8_t* const* v_pages = nullptr;
  size_t page_shift = 0;  // log2(slots per page)
  size_t row_bytes = 0;   // bytes between consecutive slots of a page
  DType type = DType::kF32;
  size_t n_kv_heads = 0;
  size_t head_dim = 0;
  size_t head_bytes = 0;  // KvHeadBytes(type, head_dim)
  // Slot of absolute position p is p % ring_size when ring_size > 0 (a sliding-window ring
  // buffer), else p itself.
  size_t ring_size = 0;

  size_t Slot(int64_t pos) const {
    return ring_size ? static_cast<size_t>(pos) % ring_size : static_cast<size_t>(pos);
  }
  const uint8_t* KeyHead(int64_t pos, size_t kv_head) const { return Head(k_pages, pos, kv_head); }
  const uint8_t* ValueHead(int64_t pos, size_t kv_head) const { return Head(v_pages, pos, kv_head); }

 private:
  const uint8_t* Head(const uint8_t* const* pages, int64_t pos, size_t kv_head) const {
    const size_t s = Slot(pos);
    return pages[s >> page_shift] + (s & ((size_t{1} << page_shift) - 1)) * row_bytes + kv_head * head_bytes;
  }
};

struct AttentionParams {
  float scale = 1.f;    // applied to q·k before the soft-cap
  float softcap = 0.f;  // cap · tanh(score / cap) when > 0
};

// q: [n, n_heads, head_dim]; query i attends to key positions [key_begin[i], key_end[i]).
// out: [n, n_heads, head_dim]. Query heads share key/value heads in groups of n_heads / n_kv_heads.
void Attention(const float* q, size_t n, size_t n_heads, const int32_t* key_begin,
               const int32_t* key_end, const KvView& kv, const AttentionParams& params, float* out,
               Executor* ex);

// The same with bf16 products and float32 sums, for prompts under Precision::kFast: blocks of
// queries against keys and values packed into bf16 panels (kernels/bf16_gemm.h), so the work is
// matrix products rather than one dot product per query and key. Worth it from a few dozen
// queries; needs HasFastBF16Gemm() to be fast.
void AttentionBF16(const float* q, size_t n, size_t n_heads, const int32_t* key_begin, const int32_t* key_end,
                   const KvView& kv, const AttentionParams& params, float* out, Executor* ex);

// Scalar definition for tests.
void AttentionReference(const float* q, size_t n, size_t n_heads, const int32_t* key_begin,
                        const int32_t* key_end, const KvView& kv, const AttentionParams& params,
                        float* out);

}  // namespace gemmakit
