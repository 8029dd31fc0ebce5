// Kernels split work through this interface and never own threads: the runtime supplies a
// thread pool (or an embedder's own executor), and a null executor runs serially.
#pragma once

#include <cstddef>
#include <functional>

namespace gemmakit {

class Executor {
 public:
  virtual ~Executor() = default;
  // Calls fn(begin, end) over [0, n) split into ranges of at least `grain` items, possibly in
  // parallel, and returns when all calls have returned.
  virtual void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) = 0;
  virtual int num_threads() const = 0;
};

inline void ParallelFor(Executor* ex, size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  if (ex == nullptr || ex->num_threads() <= 1 || n <= grain) {
    fn(0, n);
    return;
  }
  ex->ParallelFor(n, grain, fn);
}

}  // namespace gemmakit
