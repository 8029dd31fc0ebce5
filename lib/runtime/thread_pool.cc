#include "runtime/thread_pool.h"

#include <algorithm>
#include <thread>

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
  Job job{&fn, n};
  pthreadpool_parallelize_1d_tile_1d(pool_, RunTile, &job, n, tile, 0);
}

}  // namespace gemmakit
