#include "session_pool.h"

#include <algorithm>
#include <utility>

#include "api_error.h"

namespace gemmakit_serve {

int64_t KvBytes(const gemmakit_session* session) {
  int64_t bytes = 0;
  return gemmakit_session_kv_bytes(session, &bytes) == GEMMAKIT_OK ? bytes : 0;
}

SessionPool::SessionPool(gemmakit_model* model, const gemmakit_session_params& params, size_t max_idle,
                         std::vector<const gemmakit_adapter*> adapters)
    : model_(model), params_(params), max_idle_(max_idle), adapters_(std::move(adapters)) {}

void SessionPool::SetAdapters(Lease& lease, const AdapterSet& set) const {
  std::vector<const gemmakit_adapter*> active;
  std::vector<float> scales;
  for (const auto& [id, scale] : set) active.push_back(adapters_[static_cast<size_t>(id)]), scales.push_back(scale);
  const gemmakit_status st = gemmakit_session_set_adapters(lease.session, active.data(), scales.data(), active.size());
  if (st != GEMMAKIT_OK) throw FromLibraryStatus(st, gemmakit_last_error());
  lease.adapters = set;
  lease.tokens.clear();  // another set forgets the session's tokens
}

SessionPool::~SessionPool() {
  for (Lease& l : idle_) gemmakit_session_free(l.session);
}

Lease SessionPool::Acquire(const std::vector<int32_t>& prompt, const AdapterSet& set, int64_t* shared) {
  // The scheduler checked the request's set (Scheduler::AdaptersOf); this guards the pool's own use.
  for (const auto& a : set) {
    if (a.first < 0 || static_cast<size_t>(a.first) >= adapters_.size()) {
      throw ApiError(500, "server_error", "internal_error", "session pool: no adapter " + std::to_string(a.first));
    }
  }
  size_t best = idle_.size(), best_len = 0;
  for (size_t i = 0; i < idle_.size(); ++i) {
    if (idle_[i].adapters != set) continue;
    const std::vector<int32_t>& held = idle_[i].tokens;
    const size_t len = static_cast<size_t>(
        std::mismatch(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(std::min(held.size(), prompt.size())),
                      prompt.begin())
            .first -
        held.begin());
    if (len > best_len) best = i, best_len = len;
  }
  *shared = static_cast<int64_t>(best_len);
  // None shares anything: the least recently used session still saves an allocation.
  if (best == idle_.size() && !idle_.empty()) best = 0;
  if (best < idle_.size()) {
    Lease l = std::move(idle_[best]);
    idle_.erase(idle_.begin() + static_cast<std::ptrdiff_t>(best));
    if (l.adapters != set) {
      *shared = 0;
      try {
        SetAdapters(l, set);
      } catch (...) {
        gemmakit_session_free(l.session);
        throw;
      }
    }
    return l;
  }
  Lease l;
  const gemmakit_status st = gemmakit_session_create(model_, &params_, &l.session);
  if (st != GEMMAKIT_OK) throw FromLibraryStatus(st, gemmakit_last_error());
  if (!set.empty()) {
    try {
      SetAdapters(l, set);
    } catch (...) {
      gemmakit_session_free(l.session);
      throw;
    }
  }
  return l;
}

void SessionPool::Release(Lease lease) {
  if (!lease.session) return;
  idle_.push_back(std::move(lease));
  while (idle_.size() > max_idle_) {
    gemmakit_session_free(idle_.front().session);
    idle_.pop_front();
  }
}

int64_t SessionPool::IdleKvBytes() const {
  int64_t total = 0;
  for (const Lease& l : idle_) total += KvBytes(l.session);
  return total;
}

}  // namespace gemmakit_serve
