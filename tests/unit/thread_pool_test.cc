// The thread pool's contract: every index once per call, no call waits on a worker that has not
// started (more threads than cores, busy or not), exceptions reach the caller, and calls made
// while the workers serve another call (nested, or from another thread) run serially.
#include "runtime/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

namespace gemmakit {
namespace {

TEST(ThreadPool, EveryIndexOnceOverManyCalls) {
  ThreadPool pool(3);
  for (size_t n : {2u, 3u, 17u, 64u, 1000u, 100003u}) {
    for (size_t grain : {1u, 7u}) {
      std::vector<std::atomic<int>> hits(n);
      for (int rep = 0; rep < 20; ++rep) {
        pool.ParallelFor(n, grain, [&](size_t b, size_t e) {
          ASSERT_LT(b, e);
          for (size_t i = b; i < e; ++i) hits[i].fetch_add(1, std::memory_order_relaxed);
        });
      }
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 20) << "n=" << n << " i=" << i;
    }
  }
}

// A call splits into at least 8 pieces a thread where it has that many items: with fewer, equal
// pieces leave one thread a piece more than the other (the float GEMM's 18 row chunks made 9
// pieces, 5 for one of two threads and 4 for the other).
TEST(ThreadPool, SplitsIntoAtLeastEightPiecesAThread) {
  ThreadPool pool(2);
  for (size_t n : {16u, 18u, 31u, 33u, 108u, 1000u}) {
    std::atomic<size_t> pieces{0};
    pool.ParallelFor(n, 1, [&](size_t, size_t) { pieces.fetch_add(1); });
    EXPECT_GE(pieces.load(), 16u) << "n=" << n;
    EXPECT_LE(pieces.load(), 32u) << "n=" << n;  // and not needlessly many
  }
}

// Many more threads than cores, many tiny calls: with a pool that waits for every worker to
// check in, each call waits for the scheduler to run all of them (seconds in all); here the
// caller does what nobody else has started.
TEST(ThreadPool, TinyCallsDoNotWaitForAbsentWorkers) {
  const int threads = 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ThreadPool pool(threads);
  std::atomic<size_t> sum{0};
  const auto t0 = std::chrono::steady_clock::now();
  for (int call = 0; call < 20000; ++call) {
    pool.ParallelFor(64, 1, [&](size_t b, size_t e) { sum.fetch_add(e - b, std::memory_order_relaxed); });
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(sum.load(), size_t{64} * 20000);
  EXPECT_LT(s, 10.0);
}

TEST(ThreadPool, ExceptionsReachTheCaller) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.ParallelFor(100, 1,
                                [](size_t b, size_t) {
                                  if (b == 0) throw std::runtime_error("piece failed");
                                }),
               std::runtime_error);
  std::atomic<size_t> count{0};  // the pool still works
  pool.ParallelFor(100, 1, [&](size_t b, size_t e) { count += e - b; });
  EXPECT_EQ(count.load(), 100u);
}

TEST(ThreadPool, NestedAndConcurrentCallsRunSerially) {
  ThreadPool pool(2);
  std::atomic<size_t> count{0};
  auto outer = [&] {
    for (int rep = 0; rep < 200; ++rep) {
      pool.ParallelFor(8, 1, [&](size_t b, size_t e) {
        for (size_t i = b; i < e; ++i) pool.ParallelFor(10, 1, [&](size_t c, size_t d) { count += d - c; });
      });
    }
  };
  std::thread other(outer);
  outer();
  other.join();
  EXPECT_EQ(count.load(), size_t{2} * 200 * 8 * 10);
}

}  // namespace
}  // namespace gemmakit
