// Sessions of one model, and the finished ones kept for the next requests: a request that starts
// with the tokens an idle session holds (a shared system prompt, an earlier turn of the same
// conversation) evaluates only what follows them.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "gemmakit.h"

namespace gemmakit_serve {

struct Lease {
  gemmakit_session* session = nullptr;
  std::vector<int32_t> tokens;  // what the session holds, as far as known ([] when unknown)
};

class SessionPool {
 public:
  // Sessions are created with params and the adapters at their scales (none: the base model); at
  // most max_idle finished ones are kept.
  SessionPool(gemmakit_model* model, const gemmakit_session_params& params, size_t max_idle,
              std::vector<const gemmakit_adapter*> adapters = {}, std::vector<float> adapter_scales = {});
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  // The idle session whose tokens share the longest prefix with prompt (the least recently used
  // when none shares any, a new one when none is idle); *shared receives that prefix's length. Throws ApiError when no session can be made.
  Lease Acquire(const std::vector<int32_t>& prompt, int64_t* shared);
  // Keeps the session for reuse; the least recently used one is freed beyond max_idle.
  void Release(Lease lease);
  size_t idle() const { return idle_.size(); }
  int64_t IdleKvBytes() const;

 private:
  gemmakit_model* model_;
  gemmakit_session_params params_;
  size_t max_idle_;
  std::vector<const gemmakit_adapter*> adapters_;
  std::vector<float> adapter_scales_;
  std::deque<Lease> idle_;  // most recently released last
};

// Bytes of KV cache a session holds (0 when the library cannot say).
int64_t KvBytes(const gemmakit_session* session);

}  // namespace gemmakit_serve
