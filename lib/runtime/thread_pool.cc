#include "runtime/thread_pool.h"

#include <algorithm>
#include <exception>
#include <string>
#include <system_error>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

// Waiting: spin (cheap to leave, keeps the caller's next job fast), then yield (gives the core
// to whoever is runnable, another of our threads included), then sleep.
constexpr int kSpins = 2000;  // 50-100 us of pause instructions (65-140 cycles each)
constexpr int kYields = 16;
// Pieces per thread: small enough that an absent worker's share is taken by the others and a
// descheduled one holds up at most one piece, large enough that claiming costs little.
constexpr size_t kPiecesPerThread = 8;
constexpr uint64_t kMaxPieces = 0xffff;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// Waits until ready(): spins, then yields, then calls sleep() (which blocks until ready() may have
// changed) as often as needed.
template <typename Ready, typename Sleep>
void WaitUntil(Ready ready, Sleep sleep) {
  for (int spins = 0; !ready(); ++spins) {
    if (spins < kSpins) {
      CpuRelax();
    } else if (spins < kSpins + kYields) {
      std::this_thread::yield();
    } else {
      sleep();
    }
  }
}

// A claim word: generation (32 bits) | pieces in the job (16 bits) | next unclaimed piece (16).
constexpr uint64_t ClaimWord(uint32_t gen, uint64_t pieces, uint64_t next) {
  return (uint64_t{gen} << 32) | (pieces << 16) | next;
}
constexpr uint32_t ClaimGen(uint64_t w) { return static_cast<uint32_t>(w >> 32); }
constexpr uint32_t ClaimPieces(uint64_t w) { return static_cast<uint32_t>((w >> 16) & 0xffff); }
constexpr uint32_t ClaimNext(uint64_t w) { return static_cast<uint32_t>(w & 0xffff); }

}  // namespace

int ThreadPool::DefaultThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads > 0 ? n_threads : DefaultThreads()) {
  try {
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  } catch (const std::system_error&) {
    stop_.store(true);
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    Fail(Status::kOutOfMemory, "cannot create a thread pool of " + std::to_string(n_threads_) + " threads");
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(wake_mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool ThreadPool::RunOnePiece(uint32_t gen) {
  uint64_t w = claim_.load(std::memory_order_acquire);
  do {
    if (ClaimGen(w) != gen || ClaimNext(w) >= ClaimPieces(w)) return false;
  } while (!claim_.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire));
  // Piece ClaimNext(w) of job `gen` is ours: the job cannot finish (nor its fields change) until
  // we count it done below.
  const size_t n = n_.load(std::memory_order_relaxed);
  const size_t piece = piece_.load(std::memory_order_relaxed);
  const size_t begin = ClaimNext(w) * piece;
  try {
    (*fn_.load(std::memory_order_relaxed))(begin, std::min(n, begin + piece));
  } catch (...) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_) error_ = std::current_exception();
  }
  if (done_.fetch_add(1) + 1 == ClaimPieces(w) && caller_sleeping_.load()) {
    std::lock_guard<std::mutex> lock(finished_mutex_);
    finished_.notify_one();
  }
  return true;
}

void ThreadPool::WorkerLoop() {
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = seen;
    WaitUntil([&] { return (gen = generation_.load(std::memory_order_acquire)) != seen || stop_.load(); },
              [&] {
                std::unique_lock<std::mutex> lock(wake_mutex_);
                sleepers_.fetch_add(1);
                wake_.wait(lock, [&] { return generation_.load() != seen || stop_.load(); });
                sleepers_.fetch_sub(1);
              });
    if (stop_.load(std::memory_order_relaxed)) return;
    seen = gen;
    while (RunOnePiece(gen)) {
    }
  }
}

void ThreadPool::ParallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn) {
  if (workers_.empty() || n <= grain) {
    fn(0, n);
    return;
  }
  std::unique_lock<std::mutex> call(call_mutex_, std::try_to_lock);
  if (!call.owns_lock()) {  // the workers serve another call: do this one here
    fn(0, n);
    return;
  }
  const size_t wanted = std::min<size_t>(static_cast<size_t>(n_threads_) * kPiecesPerThread, kMaxPieces);
  // At least `wanted` pieces (fewer than twice as many): rounding the piece size up instead cut the
  // float GEMM's 18 chunks of a 1152-row projection into 9 pieces, one thread doing 5 while the other
  // waited after 4.
  const size_t piece = std::max({grain, size_t{1}, n / wanted, (n + kMaxPieces - 1) / kMaxPieces});
  const uint64_t pieces = (n + piece - 1) / piece;

  // Publish: the job's fields, then its claim word (release), then wake the workers.
  const uint32_t gen = generation_.load(std::memory_order_relaxed) + 1;
  fn_.store(&fn, std::memory_order_relaxed);
  n_.store(n, std::memory_order_relaxed);
  piece_.store(piece, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  error_ = nullptr;
  claim_.store(ClaimWord(gen, pieces, 0), std::memory_order_release);
  generation_.store(gen);
  if (sleepers_.load() > 0) {
    { std::lock_guard<std::mutex> lock(wake_mutex_); }
    wake_.notify_all();
  }

  // Work alongside them; pieces nobody else took are ours.
  while (RunOnePiece(gen)) {
  }
  // Wait only for pieces other threads are in the middle of.
  WaitUntil([&] { return done_.load(std::memory_order_acquire) >= pieces; },
            [&] {
              std::unique_lock<std::mutex> lock(finished_mutex_);
              caller_sleeping_.store(true);
              finished_.wait(lock, [&] { return done_.load() >= pieces; });
              caller_sleeping_.store(false);
            });
  if (error_) std::rethrow_exception(error_);
}

}  // namespace gemmakit
