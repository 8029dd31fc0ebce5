// The Gemma 1/2/3 decoder: token embedding, a stack of attention + GeGLU blocks, final norm and
// the (tied) output projection. What differs between families is data in ModelConfig.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/parallel.h"
#include "model/kv_cache.h"
#include "model/model_config.h"
#include "model/weights.h"

namespace gemmakit {

// Called with every named intermediate ("attn_out", "ffw_out", ... ; layer -1 outside the
// stack) when set: how a numerical mismatch with a reference gets located.
using DebugTap = std::function<void(const char* name, int layer, const float* data, size_t rows, size_t cols)>;

struct ForwardRequest {
  const int32_t* tokens = nullptr;  // validated by the caller: 0 <= id < vocab_size
  size_t n = 0;
  int64_t start_pos = 0;            // position of tokens[0]; the cache holds [0, start_pos)
  bool all_logits = false;          // logits for every token, else for the last one only
  // Rebuilding a sliding-window ring (KvCache) after a truncation: sliding layers read no key
  // below sliding_floor, and global layers, which already hold these positions, keep their keys.
  int64_t sliding_floor = 0;
  bool keep_global_kv = false;
  // Image soft tokens: where image_rows[i] is set, it replaces token i's embedding (as given, not
  // scaled by sqrt(hidden)), and token i also sees keys [image_begin[i], image_end[i]), the
  // positions of its own image, in both directions. An image's tokens must be in one request.
  const float* const* image_rows = nullptr;
  const int32_t* image_begin = nullptr;
  const int32_t* image_end = nullptr;
};

// One token of one sequence in a batched decode step: each sequence has its own KV cache and
// position, and all of them share every weight read.
struct DecodeStep {
  int32_t token = 0;  // validated by the caller
  int64_t pos = 0;    // the cache holds [0, pos)
  KvCache* cache = nullptr;
};

class GemmaDecoder {
 public:
  GemmaDecoder(const ModelConfig& config, const ModelWeights& weights, const MatMulOptions& matmul = {})
      : c_(config), w_(weights), mm_(matmul) {}

  // Appends the tokens' keys and values to `cache` and writes logits: [n or 1, vocab].
  void Forward(const ForwardRequest& req, KvCache& cache, std::vector<float>& logits, Executor* ex,
               const DebugTap* tap = nullptr) const;
  // Advances several sequences by one token in one pass: every matmul runs once with one row per
  // sequence (the weights are read once per step, not once per sequence), attention reads each
  // sequence's own cache. logits: [n, vocab], row i for steps[i]. Caches must be distinct.
  void ForwardBatch(const DecodeStep* steps, size_t n, std::vector<float>& logits, Executor* ex) const;

 private:
  struct Activations;
  // Rows [first, first + n) of a pass belong to one sequence whose cache holds [0, start_pos).
  struct Segment {
    KvCache* cache;
    int64_t start_pos;
    size_t first, n;
  };
  void Run(const ForwardRequest& req, const std::vector<Segment>& segments, std::vector<float>& logits, Executor* ex,
           const DebugTap* tap) const;
  void Embed(const ForwardRequest& req, Activations& a) const;
  void AttentionBlock(size_t layer, const ForwardRequest& req, const std::vector<Segment>& segments, Activations& a,
                      Executor* ex) const;
  void FeedForwardBlock(size_t layer, Activations& a, Executor* ex) const;
  void Logits(const ForwardRequest& req, Activations& a, std::vector<float>& logits, Executor* ex) const;

  const ModelConfig& c_;
  const ModelWeights& w_;
  MatMulOptions mm_;
};

}  // namespace gemmakit
