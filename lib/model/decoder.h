// What a model family's decoder does for the runtime: token ids (and soft-token rows in their
// place, with the key ranges they attend over) in, keys and values into a KV cache, logits out.
// One implementation per family (model/gemma/, model/gemma3n/); sessions, batching and
// generation know only this interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/tensor_index.h"
#include "kernels/matmul.h"
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
  // The final norm's output [rows, hidden] in place of logits: an encoder's token embeddings.
  bool output_hidden = false;
  // Rebuilding a sliding-window ring (KvCache) after a truncation: sliding layers read no key
  // below sliding_floor, and global layers, which already hold these positions, keep their keys.
  int64_t sliding_floor = 0;
  bool keep_global_kv = false;
  // Media soft tokens: where soft_rows[i] is set, it replaces token i's embedding (as given, not
  // scaled by sqrt(hidden)), and token i also sees keys [soft_begin[i], soft_end[i]) (an empty
  // range for causal media; its own image, both ways, for Gemma 3's images). A bidirectional
  // item's tokens must be in one request.
  const float* const* soft_rows = nullptr;
  const int32_t* soft_begin = nullptr;
  const int32_t* soft_end = nullptr;
};

// One token of one sequence in a batched decode step: each sequence has its own KV cache and
// position, and all of them share every weight read.
struct DecodeStep {
  int32_t token = 0;  // validated by the caller
  int64_t pos = 0;    // the cache holds [0, pos)
  KvCache* cache = nullptr;
};

// Rows [first, first + n) of a forward pass belong to one sequence whose cache holds
// [0, start_pos): one segment for a prompt, one per sequence in a batched decode step.
struct Segment {
  KvCache* cache;
  int64_t start_pos;
  size_t first, n;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // Appends the tokens' keys and values to `cache` and writes logits: [n or 1, vocab]. Refuses a
  // pass longer than the cache's chunk: a ring holds window + max_chunk - 1 positions, and a
  // longer chunk would overwrite keys its own first queries still need.
  void Forward(const ForwardRequest& req, KvCache& cache, std::vector<float>& logits, Executor* ex,
               const DebugTap* tap = nullptr) const;
  // Advances several sequences by one token in one pass: every matmul runs once with one row per
  // sequence (the weights are read once per step, not once per sequence), attention reads each
  // sequence's own cache. logits: [n, vocab], row i for steps[i]. Caches must be distinct.
  void ForwardBatch(const DecodeStep* steps, size_t n, std::vector<float>& logits, Executor* ex) const;
  // Whole sequences in one pass, each over an empty cache of its own that holds all of it (what a
  // bidirectional encoder needs: every key is stored before any query reads): the final norm's
  // output for every token, hidden: [total tokens, hidden], sequence after sequence. tokens holds
  // the sequences back to back, segments say where each starts (start_pos 0) and its cache.
  void ForwardSequences(const int32_t* tokens, const std::vector<Segment>& segments, std::vector<float>& hidden,
                        Executor* ex) const;

  // A tensor only this family has (Gemma 3n's AltUp, LAuReL, per-layer inputs), by canonical name:
  // a matrix, or float32 values of `shape` (norms as the kernels multiply by them).
  struct FamilyTensor {
    std::string name;
    MatrixView matrix;
    const std::vector<float>* values = nullptr;
    std::vector<int64_t> shape;
  };
  // For writers of checkpoint files (none for Gemma 1–3).
  virtual std::vector<FamilyTensor> FamilyTensors() const { return {}; }
  // Bytes of weights one decode step reads besides ModelWeights' matrices, and bytes of tables
  // read a row per token (Gemma 3n's per-layer embeddings), for `gemmakit info`.
  virtual size_t FamilyDecodeBytes() const { return 0; }
  virtual size_t LookupTableBytes() const { return 0; }
  virtual size_t FamilyParams() const { return 0; }

 protected:
  // The family's forward pass: req's tokens, split into segments of one sequence each.
  virtual void Run(const ForwardRequest& req, const std::vector<Segment>& segments, std::vector<float>& logits,
                   Executor* ex, const DebugTap* tap) const = 0;
};

// The decoder of config.architecture over `weights` (which it keeps referring to), binding any
// tensors only that family has from `tensors`. Throws Error like BindWeights.
std::unique_ptr<Decoder> CreateDecoder(const ModelConfig& config, const ModelWeights& weights,
                                       const std::shared_ptr<const TensorIndex>& tensors, bool norms_include_one,
                                       const MatMulOptions& matmul);

}  // namespace gemmakit
