// Keys and values of the positions a session has evaluated, per KV store (one per layer, except
// that Gemma 3n's KV-shared layers read another layer's store: ModelConfig::kv_store_owner), sized
// by what the owning layer can see: a global layer keeps every position, a sliding-window layer a ring of
// window + max_chunk - 1 slots (enough for the first query of a chunk to still see `window` keys
// back while the chunk's own keys are written). Memory is allocated in pages of kPageSlots
// positions as the conversation grows, never for the whole context up front, and nothing moves
// when it grows. Elements are stored as f32, bf16, f16 or 8-bit blocks (kernels/attention/kv_rows.h).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/dtype.h"
#include "model/model_config.h"

namespace gemmakit {

class KvCache {
 public:
  static constexpr size_t kPageShift = 4;
  static constexpr int64_t kPageSlots = int64_t{1} << kPageShift;

  // max_chunk: the most positions one forward pass appends. Throws Error(kInvalidArgument) for a
  // type a cache cannot hold.
  KvCache(const ModelConfig& config, int64_t max_positions, int64_t max_chunk, DType type);
  // A deep copy (a forked session continues independently).
  KvCache(const KvCache& other);
  KvCache& operator=(const KvCache&) = delete;

  // Bytes a cache of this shape holds once positions [0, n_positions) have been written.
  static int64_t BytesFor(const ModelConfig& config, int64_t max_positions, int64_t max_chunk, DType type,
                          int64_t n_positions);

  // Makes room for positions [0, n). Throws Error(kContextFull) past max_positions.
  void Reserve(int64_t n);
  // Frees everything.
  void Clear();

  // Encodes the kv_dim floats of k and v as position pos of a layer (room reserved before).
  void Store(size_t layer, int64_t pos, const float* k, const float* v);
  KvView View(size_t layer) const;

  // Encoded rows, for saving and restoring a session.
  size_t row_bytes() const { return row_bytes_; }
  const uint8_t* KeyRow(size_t layer, int64_t pos) const { return Row(layers_[layer].k, layer, pos); }
  const uint8_t* ValueRow(size_t layer, int64_t pos) const { return Row(layers_[layer].v, layer, pos); }
  uint8_t* MutableKeyRow(size_t layer, int64_t pos) { return Row(layers_[layer].k, layer, pos); }
  uint8_t* MutableValueRow(size_t layer, int64_t pos) { return Row(layers_[layer].v, layer, pos); }

  // 0 for a layer that keeps every position.
  int64_t ring_size(size_t layer) const { return layers_[layer].ring; }
  // The lowest position whose keys and values a ring layer still holds: writing position p
  // overwrites p - ring_size. 0 for global layers.
  int64_t held_begin(size_t layer) const { return layers_[layer].held_begin; }
  // Declares which positions a ring layer holds, after a restore or a rebuild: [pos, n_past).
  void set_held_begin(size_t layer, int64_t pos) { layers_[layer].held_begin = pos; }

  // Every `layer` argument above is a KV store index (LayerConfig::kv_store).
  size_t n_stores() const { return layers_.size(); }
  DType type() const { return type_; }
  int64_t max_positions() const { return max_positions_; }
  int64_t max_chunk() const { return max_chunk_; }
  size_t allocated_slots(size_t layer) const { return static_cast<size_t>(layers_[layer].slots); }
  // Bytes held now.
  size_t bytes() const;

 private:
  struct Layer {
    int64_t ring = 0;
    int64_t slots = 0;  // allocated
    int64_t held_begin = 0;
    std::vector<std::unique_ptr<uint8_t[]>> k, v;  // pages
    std::vector<const uint8_t*> k_ptrs, v_ptrs;    // the same pages, as KvView reads them
  };
  static int64_t RingSize(const LayerConfig& lc, int64_t max_positions, int64_t max_chunk);
  uint8_t* Row(const std::vector<std::unique_ptr<uint8_t[]>>& pages, size_t layer, int64_t pos) const;
  void AddPage(Layer& l, int64_t slots);

  DType type_;
  size_t n_kv_heads_, head_dim_, head_bytes_, row_bytes_;
  int64_t max_positions_, max_chunk_;
  std::vector<Layer> layers_;
};

}  // namespace gemmakit
