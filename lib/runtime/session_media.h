// The media a session holds (images, audio clips): for each item, the positions its soft tokens
// occupy, the soft tokens themselves (kept so a ring rebuild or a re-evaluation can feed them again
// without re-encoding), how they attend, and a key identifying the content, so a chat turn reuses
// an item already in the KV cache only when it is the same content.
#pragma once

#include <cstdint>
#include <vector>

#include "model/decoder.h"

namespace gemmakit {

class SessionMedia {
 public:
  struct Span {
    int64_t begin = 0, end = 0;  // positions [begin, end)
    uint64_t key = 0;
    bool bidirectional = true;   // the span's tokens see each other both ways (Gemma 3's images)
    std::vector<float> rows;     // [end - begin, hidden]
  };

  // Positions must not overlap an item already held.
  void Add(Span span);
  // Forgets items that start at or after position n.
  void Truncate(int64_t n);
  void Clear() { spans_.clear(); }
  bool empty() const { return spans_.empty(); }
  const std::vector<Span>& spans() const { return spans_; }

  // The key of the item at position p; 0 for a text position.
  uint64_t KeyAt(int64_t p) const;
  bool Covers(int64_t p) const { return Find(p) != nullptr; }
  // How many of the `n` positions from `start` one forward pass may take so that no item is
  // split between passes (an item that starts at `start` is taken whole even when longer than n).
  size_t ChunkLength(int64_t start, size_t n) const;
  // Points the request's soft-token fields at the rows of positions [start, start + n).
  struct Buffers {
    std::vector<const float*> rows;
    std::vector<int32_t> begin, end;
  };
  void Prepare(int64_t start, size_t n, ForwardRequest& req, Buffers& buffers) const;

 private:
  const Span* Find(int64_t p) const;
  std::vector<Span> spans_;  // in position order
};

}  // namespace gemmakit
