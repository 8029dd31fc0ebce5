// One thread owns the model's sessions: it evaluates each new request's prompt (reusing an idle
// session's matching prefix), then advances every running sequence by one token per step with
// gemmakit_batch_decode, so concurrent requests share each read of the weights.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gemmakit.h"
#include "generation_request.h"
#include "metrics.h"
#include "request_channel.h"
#include "session_pool.h"
#include "text_stream.h"
#include "tool_calls.h"

namespace gemmakit_serve {

struct SchedulerOptions {
  int32_t max_batch = 8;     // sequences decoded together
  size_t max_queue = 256;    // requests waiting beyond that are refused (503)
  size_t idle_sessions = 4;  // finished sessions kept for prefix reuse
  gemmakit_session_params session;
  // The run-time LoRA adapters requests may name by index (owned by the caller; they outlive the
  // scheduler), and the set a request that names none runs with.
  std::vector<const gemmakit_adapter*> adapters;
  AdapterSet default_adapters;
  // What a request runs with where it sets nothing (sampling_defaults.h); no seed, no constraint.
  gemmakit_sampling_params sampling{};
};

class Scheduler {
 public:
  Scheduler(gemmakit_model* model, SchedulerOptions options, Metrics& metrics);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a request; its events arrive on the returned channel. Throws ApiError when the queue
  // is full or the request asks for more choices than a batch holds.
  std::shared_ptr<RequestChannel> Submit(GenerationRequest request);

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    GenerationRequest request;
    std::shared_ptr<RequestChannel> channel;
    Clock::time_point submitted;
    int32_t running = 0;  // choices not finished
    bool first_token = false;
    bool failed = false;
    Usage usage;
    std::string grammar;  // a forced tool call's
  };
  struct Sequence {
    std::shared_ptr<Job> job;
    int32_t choice = 0;
    Lease lease;
    bool tokens_known = true;  // lease.tokens mirrors the session (false after images)
    int32_t next = -1;         // sampled, to be evaluated by the next step
    int32_t generated = 0;
    bool sampled = false;
    gemmakit_sampling_params sampling{};
    std::unique_ptr<TextStream> text;
    std::unique_ptr<CallExtractor> calls;  // when the request has tools
  };

  void Run();
  void Start(const std::shared_ptr<Job>& job);
  // Evaluates the job's prompt into a pooled session; returns its lease and whether its tokens are known.
  Lease Prefill(Job& job, bool& tokens_known);
  // The adapters a request runs with (sorted by index, none at scale 0); throws ApiError (400) for an
  // unknown index or one named twice.
  AdapterSet AdaptersOf(const GenerationRequest& request) const;
  // Choice i's sampler settings, the request's constraint included.
  gemmakit_sampling_params Sampling(const Job& job, int32_t i) const;
  // Fails the job (400) when its constraint does not compile: before any token is sent.
  bool CheckConstraint(const std::shared_ptr<Job>& job, Lease& lease);
  void Step();
  void DropFinished();  // forgets the sequences Finish emptied
  // Samples the sequence's next token from its logits and sends its text; false once it is done.
  bool Advance(Sequence& seq);
  void Finish(Sequence& seq, const char* reason, bool flush);
  void Fail(const std::shared_ptr<Job>& job, const ApiError& e);
  void UpdateGauges();
  static int32_t AbortPrefill(void* self);

  gemmakit_model* model_;
  SchedulerOptions options_;
  Metrics& metrics_;
  int32_t eos_id_ = -1, end_of_turn_id_ = -1;
  int64_t context_ = 0;
  SessionPool pool_;
  std::vector<Sequence> running_;
  RequestChannel* prefilling_ = nullptr;  // the job whose prompt is being evaluated (scheduler thread only)

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gemmakit_serve
