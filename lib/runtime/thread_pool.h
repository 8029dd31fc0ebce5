// The Executor kernels run on: a small pool of our own, sized by the caller, built to share its
// cores with the application it lives in.
//
// Why not pthreadpool (the pool XNNPACK uses, and ours until issue 15): nothing else here uses it
// (XNNPACK is found by CMake but no code path calls it), and its wait is the wrong shape for a
// library on busy cores. pthreadpool hands each worker a fixed range and returns only when every
// worker has checked in, so a worker the OS has descheduled stalls the call until it runs again:
// with two busy processes on two cores, the tiny model fell from 2,236 tokens/s (1 thread) to
// 2.5 tokens/s (2 threads). Here work is claimed in small pieces from an atomic counter: the
// caller takes pieces too, so a worker that has not started yet simply finds nothing left;
// completion is "every piece done", never "every worker checked in"; and a claim is tied to the
// job's generation, so a late worker cannot run a finished job's function. Waiting spins briefly,
// then yields, then sleeps on a condition variable, so the pool never burns a core that another
// process needs. A call loses at most the pieces that descheduled workers were in the middle of.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "kernels/parallel.h"

namespace gemmakit {

class ThreadPool : public Executor {
 public:
  // n_threads <= 0: one per available core. The caller's thread counts as one: n_threads - 1
  // workers are started.
  explicit ThreadPool(int n_threads);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Thread-safe. One call at a time uses the workers; a call made while another is running (from
  // another thread, or from inside fn) runs serially on its own thread instead of waiting.
  void ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) override;
  int num_threads() const override { return n_threads_; }

  static int DefaultThreads();

 private:
  // Claims one piece of job `gen` and runs it; false when that job has no piece left (or is over).
  bool RunOnePiece(uint32_t gen);
  void WorkerLoop();

  int n_threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex call_mutex_;  // held by the caller whose job the workers serve

  // The current job. Written by the caller before it publishes the job's generation; stable while
  // any piece of it is claimed and not done (the caller cannot finish before that).
  std::atomic<const std::function<void(size_t, size_t)>*> fn_{nullptr};
  std::atomic<size_t> n_{0};
  std::atomic<size_t> piece_{0};      // items per piece
  // generation | pieces in the job | next unclaimed piece: a claim is a compare-exchange that
  // names the job, so a worker that wakes late cannot claim a piece of a finished job.
  std::atomic<uint64_t> claim_{0};
  std::atomic<uint32_t> done_{0};     // pieces of the current job finished
  std::mutex error_mutex_;
  std::exception_ptr error_;  // the first exception a piece threw, rethrown by the caller

  // Workers waiting for a job: spin on generation_, then sleep on wake_.
  std::atomic<uint32_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::atomic<int> sleepers_{0};
  std::mutex wake_mutex_;
  std::condition_variable wake_;
  // The caller waiting for the last pieces: spins, then sleeps on finished_.
  std::atomic<bool> caller_sleeping_{false};
  std::mutex finished_mutex_;
  std::condition_variable finished_;
};

}  // namespace gemmakit
