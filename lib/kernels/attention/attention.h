// The attention kernel family: softmax(scale · q·kᵀ, soft-capped, masked) · v, over a decoder's
// KV cache (paged, ring, any row encoding) or over dense K/V of one media item (an image's
// tokens). Which keys a query sees is an AttentionMask, which expresses causal, sliding-window and
// bidirectional masks alike. Each form has an exact float32 version, a bf16-product version for
// Precision::kFast prompts, and the scalar definition AttentionReference they are tested against.
// Scores exist for one block of queries at a time, never as an n × n matrix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/attention/kv_rows.h"
#include "kernels/bf16_gemm.h"
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

// Query i sees key positions [Begin(i), End(i)). Without per-query ranges every query sees all
// n_keys positions (bidirectional attention among one image's tokens).
struct AttentionMask {
  const int32_t* key_begin = nullptr;
  const int32_t* key_end = nullptr;
  int32_t n_keys = 0;  // when key_begin / key_end are null

  static AttentionMask Ranges(const int32_t* begin, const int32_t* end) { return {begin, end, 0}; }
  static AttentionMask All(size_t n_keys) { return {nullptr, nullptr, static_cast<int32_t>(n_keys)}; }
  bool all_keys() const { return key_begin == nullptr; }
  int32_t Begin(size_t i) const { return key_begin ? key_begin[i] : 0; }
  int32_t End(size_t i) const { return key_end ? key_end[i] : n_keys; }
};

// Dense keys or values [n, n_kv_heads * head_dim] in float32 as a one-page cache view, so the
// reference and the cache kernels read them too.
KvView DenseKvView(const uint8_t* const* k_page, const uint8_t* const* v_page, size_t n_kv_heads, size_t head_dim);

struct AttentionParams {
  float scale = 1.f;    // applied to q·k before the soft-cap
  float softcap = 0.f;  // cap · tanh(score / cap) when > 0
};

// Over a cache. q: [n, n_heads, head_dim]; out: [n, n_heads, head_dim]. Query heads share
// key/value heads in groups of n_heads / n_kv_heads.
void Attention(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
               const AttentionParams& params, float* out, Executor* ex);

// The same with bf16 products and float32 sums, for prompts under Precision::kFast: blocks of
// queries against keys and values packed into bf16 panels (kernels/bf16_gemm.h), so the work is
// matrix products rather than one dot product per query and key. Worth it from a few dozen
// queries; needs HasFastBF16Gemm() to be fast.
void AttentionBF16(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
                   const AttentionParams& params, float* out, Executor* ex);

// The same in float32 for prompts at any precision where AttentionBF16 is not taken: per task one
// block of queries and one KV head, the queries of the whole head group stacked into float32 GEMMs
// (MatMul) against keys and values decoded once per block, key_chunk keys at a time with an online
// softmax. Worth it from a few dozen queries.
constexpr size_t kAttentionKeyChunk = 1024;
void AttentionBlockedF32(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
                         const AttentionParams& params, float* out, Executor* ex,
                         size_t key_chunk = kAttentionKeyChunk);

// The scalar definition (double sums) every variant is tested against.
void AttentionReference(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
                        const AttentionParams& params, float* out);

// Over dense K/V of one media item, every query seeing every key (AttentionMask::All(n)) with one
// KV head per query head: q, k, v, out: [n, n_heads * head_dim]. Blocks of queries of one head per
// task: the exact version computes scores as a float32 broadcast GEMM (kernels/panel_gemm.h: the
// reduction is only head_dim long), a SIMD row softmax and P·V through MatMul; the bf16 version
// packs K and Vᵀ of every head into bf16 panels once.
struct DenseAttentionScratch {
  std::vector<float> kt, vt;             // exact: Kᵀ and Vᵀ per head
  std::vector<BF16Panels> keys, values;  // bf16: per head
};
void DenseAttention(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                    float scale, float* out, DenseAttentionScratch& scratch, Executor* ex);
void DenseAttentionBF16(const float* q, const float* k, const float* v, size_t n, size_t n_heads, size_t head_dim,
                        float scale, float* out, DenseAttentionScratch& scratch, Executor* ex);

}  // namespace gemmakit
