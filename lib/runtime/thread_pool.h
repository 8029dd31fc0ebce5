// The Executor kernels run on: a pthreadpool (the pool XNNPACK uses) of a caller-chosen size.
// pthreadpool parks its workers between calls, so no thread spins after a call returns.
#pragma once

#include <pthreadpool.h>

#include "kernels/parallel.h"

namespace gemmakit {

class ThreadPool : public Executor {
 public:
  // n_threads <= 0: one per available core.
  explicit ThreadPool(int n_threads);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) override;
  int num_threads() const override { return n_threads_; }

  static int DefaultThreads();

 private:
  pthreadpool_t pool_ = nullptr;
  int n_threads_ = 1;
};

}  // namespace gemmakit
