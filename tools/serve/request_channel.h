// The scheduler thread's events for one request, read by the HTTP thread that serves it. The
// HTTP side sets `cancelled` when its client goes away; the scheduler then drops the request.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api_error.h"
#include "generation_request.h"

namespace gemmakit_serve {

struct Event {
  enum Kind { kStarted, kDelta, kChoiceDone, kDone, kError };
  explicit Event(Kind k, int32_t c = 0) : kind(k), choice(c) {}
  Kind kind;
  int32_t choice;
  std::string text;                    // kDelta
  std::vector<TokenLogprob> logprobs;  // kDelta: one per token the text came from
  std::vector<ToolCall> tool_calls;    // kDelta: calls the text completed (taken out of it)
  std::string finish_reason;           // kChoiceDone: "stop", "length" or "tool_calls"
  Usage usage;                         // kDone
  std::optional<ApiError> error;       // kError
};

class RequestChannel {
 public:
  void Push(Event e) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  // The next event, or nothing after `wait` without one.
  std::optional<Event> Pop(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, wait, [&] { return !events_.empty(); })) return std::nullopt;
    Event e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  void Cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace gemmakit_serve
