// Sessions of one model, and the finished ones kept for the next requests: a request that starts
// with the tokens an idle session holds (a shared system prompt, an earlier turn of the same
// conversation) evaluates only what follows them.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "gemmakit.h"

namespace gemmakit_serve {

// LoRA adapters active in a session: indices into the pool's adapters with their scales, by index,
// none scaled by 0. Two sessions hold the same keys for the same tokens only under the same set.
using AdapterSet = std::vector<std::pair<int32_t, float>>;

struct Lease {
  gemmakit_session* session = nullptr;
  std::vector<int32_t> tokens;  // what the session holds, as far as known ([] when unknown)
  AdapterSet adapters;          // active in the session
};

class SessionPool {
 public:
  // Sessions are created with params; `adapters` are the LoRA adapters sets may name (owned by the
  // caller, outliving the pool); at most max_idle finished sessions are kept.
  SessionPool(gemmakit_model* model, const gemmakit_session_params& params, size_t max_idle,
              std::vector<const gemmakit_adapter*> adapters = {});
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // A session with `set` active: the idle one under that set whose tokens share the longest prefix
  // with prompt (else the least recently used idle one, its set replaced and its tokens forgotten, else
  // a new one); *shared receives that prefix's length. Throws ApiError when no session can be made or
  // the set names an adapter the pool does not have.
  Lease Acquire(const std::vector<int32_t>& prompt, const AdapterSet& set, int64_t* shared);
  size_t adapters() const { return adapters_.size(); }
  // Keeps the session for reuse; the least recently used one is freed beyond max_idle.
  void Release(Lease lease);
  size_t idle() const { return idle_.size(); }
  int64_t IdleKvBytes() const;

 private:
  gemmakit_model* model_;
  gemmakit_session_params params_;
  size_t max_idle_;
  std::vector<const gemmakit_adapter*> adapters_;

  void SetAdapters(Lease& lease, const AdapterSet& set) const;
  std::deque<Lease> idle_;  // most recently released last
};

// Bytes of KV cache a session holds (0 when the library cannot say).
int64_t KvBytes(const gemmakit_session* session);

}  // namespace gemmakit_serve
