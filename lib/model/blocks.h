// The two sublayers every Gemma decoder layer is built of, shared by the families' decoders
// (model/gemma/, model/gemma3n/): self-attention over a KV store, and the gated feed-forward.
// Norms around them and the residual wiring belong to each family's block diagram.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "model/decoder.h"
#include "model/kv_cache.h"
#include "model/model_config.h"
#include "model/weights.h"

namespace gemmakit {

// Buffers of a forward pass, reused from layer to layer.
struct BlockScratch {
  std::vector<float> q, k, v, attn;  // [n, q_dim], [n, kv_dim] ×2, [n, q_dim]
  std::vector<float> gate, up;       // [n, widest FFN]
  std::vector<int32_t> positions, key_begin, key_end;

  void Resize(const ModelConfig& c, size_t n);
  // Positions of the rows, and room in each segment's cache for them.
  void Place(const std::vector<Segment>& segments);
};

// A prompt's row-wise steps (norms, RoPE, activations, residual adds) split across the executor,
// kPromptRowsPerTask rows a task; a decode step's few rows stay on the calling thread. Each row is
// computed as if alone, so no split changes a result. Run serially they took 3-4% of a 1B prompt
// while the other threads waited (Zen 4, 2 threads, pp512 Q8_0: 364 -> 379 t/s; AVX2 tier Q4_K_M
// 184 -> 193-196).
constexpr size_t kPromptRowsPerTask = 16;
template <typename Fn>  // fn(first row, end row)
void ForPromptRows(Executor* ex, size_t rows, Fn fn) {
  ParallelFor(ex, rows, kPromptRowsPerTask, fn);
}

// (post-norm) → residual: out [n, d] normed in place when post_norm is set (sandwich norms), then
// added to the residual stream x, row by row across the executor.
void AddBlockOutput(const float* post_norm, float eps, size_t n, size_t d, float* out, float* x, Executor* ex);

// Named intermediates for a DebugTap: (name, data, cols), rows = the pass's n.
using BlockTap = std::function<void(const char* name, const std::vector<float>& data, size_t cols)>;

// q, k, v projections of `normed` → (q/k RMSNorm, scale-free v norm) → RoPE → the layer's KV
// store (unless the layer reads another layer's store) → attention with causal / sliding / image
// key ranges → o_proj into out [n, hidden].
void SelfAttention(const ModelConfig& c, size_t layer, const LayerWeights& lw, const float* normed, size_t n,
                   const ForwardRequest& req, const std::vector<Segment>& segments, BlockScratch& s, float* out,
                   Executor* ex, const MatMulOptions& mm, const BlockTap& tap = nullptr);

// gate, up projections of `normed` → (Gaussian top-k sparsity on the gate) → activation(gate) ·
// up → down into out [n, hidden]. Both sublayers' projections add each segment's adapters.
void GatedFeedForward(const ModelConfig& c, size_t layer, const LayerWeights& lw, const float* normed, size_t n,
                      const std::vector<Segment>& segments, BlockScratch& s, float* out, Executor* ex,
                      const MatMulOptions& mm);

}  // namespace gemmakit
