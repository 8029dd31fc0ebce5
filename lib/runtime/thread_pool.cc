#include "runtime/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "gemmakit/status.h"

namespace gemmakit {

int ThreadPool::DefaultThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads > 0 ? n_threads : DefaultThreads()) {
  if (n_threads_ > 1) {
    pool_ = pthreadpool_create(static_cast<size_t>(n_threads_));
    if (!pool_) Fail(Status::kOutOfMemory, "cannot create a thread pool of " + std::to_string(n_threads_) + " threads");
  }
}

ThreadPool::~ThreadPool() {
  if (pool_) pthreadpool_destroy(pool_);
}

namespace {
struct Job {
  const std::function<void(size_t, size_t)>* fn;
  size_t n;
};
void RunTile(void* ctx, size_t begin, size_t count) {
  const Job* job = static_cast<const Job*>(ctx);
  (*job->fn)(begin, std::min(job->n, begin + count));
}
}  // namespace

void ThreadPool::ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (!pool_ || n <= grain) {
    fn(0, n);
    return;
  }
  // A few tiles per thread so uneven tiles still balance.
  const size_t tiles_wanted = static_cast<size_t>(n_threads_) * 4;
  const size_t tile = std::max(grain, (n + tiles_wanted - 1) / tiles_wanted);
#if defined(__SANITIZE_THREAD__)
  // pthreadpool is not instrumented, so ThreadSanitizer cannot see its hand-offs and reports them
  // as races: the ThreadSanitizer build runs the same tiles on threads it can see.
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t begin; (begin = next.fetch_add(tile)) < n;) fn(begin, std::min(n, begin + tile));
  };
  std::vector<std::thread> helpers;
  for (int i = 1; i < n_threads_; ++i) helpers.emplace_back(worker);
  worker();
  for (std::thread& t : helpers) t.join();
  return;
#endif
  Job job{&fn, n};
  pthreadpool_parallelize_1d_tile_1d(pool_, RunTile, &job, n, tile, 0);
}

}  // namespace gemmakit
