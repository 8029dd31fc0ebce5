// The byte format of a saved session, and its parser. Little-endian throughout:
//   header (48 bytes): magic "GMKSESS\0", u32 format version, u32 header size, u64 model identity
//     (runtime/model_identity.h), u64 payload size, u64 payload checksum (Hash64), u64 the identity
//     of the LoRA adapters active when it was saved (version 4; 0: none, and always 0 before)
//   payload: i64 context, i64 batch size, i32 KV element type (DType), i32 layers, i64 vocab,
//     i64 KV row bytes; i64 n tokens, i32 tokens[n]; u64 RNG state[4]; i64 n logits (0 or vocab),
//     f32 logits[n]; per layer: i64 ring size, i64 first held position b, then the key rows and
//     the value rows of positions [b, n) as the cache stores them; then (version 2) i64 media
//     items, per item i64 begin, i64 end, u64 key, (version 3) u32 flags (bit 0: bidirectional),
//     f32 soft tokens[(end - begin) × hidden], in position order. Version 1 blobs (no media
//     section) and version 2 blobs (images only, all bidirectional) still load.
// The parser trusts nothing: every count is checked against the model and the bytes left before
// anything is allocated, and a blob of another model, another version, or with a bad checksum is
// refused with a message saying which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/dtype.h"
#include "model/kv_cache.h"
#include "model/model_config.h"
#include "runtime/session_media.h"

namespace gemmakit {

constexpr uint32_t kSessionStateVersion = 4;

struct SessionStateOptions {
  int64_t context = 0;
  int64_t batch_size = 0;
  DType kv_type = DType::kF32;
};

// A session's state, by reference, for saving.
struct SessionStateView {
  uint64_t model_id = 0;
  uint64_t adapters_id = 0;  // AdapterSetIdentity of the active adapters; 0: none
  SessionStateOptions options;
  const std::vector<int32_t>* tokens = nullptr;
  const uint64_t* rng = nullptr;       // 4 words
  const float* last_logits = nullptr;  // vocab floats, or null when there are none
  int64_t vocab = 0;
  const KvCache* cache = nullptr;
  const SessionMedia* media = nullptr;  // or null: none
};

struct RestoredSession {
  SessionStateOptions options;
  std::vector<int32_t> tokens;
  uint64_t rng[4] = {0, 0, 0, 0};
  std::vector<float> last_logits;  // one row, or empty
  std::unique_ptr<KvCache> cache;
  SessionMedia media;
};

// Writes the blob to dst when dst is not null; returns its size either way.
size_t EncodeSessionState(const SessionStateView& state, uint8_t* dst);
// Throws Error(kFormatError) naming what is wrong; a blob saved with other adapters active than
// adapters_id says so.
RestoredSession DecodeSessionState(const uint8_t* data, size_t size, const ModelConfig& config, uint64_t model_id,
                                   uint64_t adapters_id);

}  // namespace gemmakit
