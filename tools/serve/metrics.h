// Counters and gauges the server exports at /metrics in Prometheus' text format.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace gemmakit_serve {

class Metrics {
 public:
  void RequestStarted() { ++requests_; }
  void PromptTokens(int64_t n) { prompt_tokens_ += n; }
  void GeneratedTokens(int64_t n) { generated_tokens_ += n; }
  void TimeToFirstToken(double seconds);
  // One batched decoding step: how many tokens it produced and how long it took.
  void DecodeStep(int64_t tokens, double seconds);
  void Error(const std::string& kind);
  void SetQueueLength(int64_t n) { queue_length_ = n; }
  void SetActiveSessions(int64_t n) { active_sessions_ = n; }
  void SetIdleSessions(int64_t n) { idle_sessions_ = n; }
  void SetKvBytes(int64_t n) { kv_bytes_ = n; }
  void PrefixReuse(int64_t reused_tokens) { reused_prompt_tokens_ += reused_tokens; }

  std::string Render() const;

 private:
  static constexpr std::array<double, 10> kTtftBuckets = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  std::atomic<int64_t> requests_{0}, prompt_tokens_{0}, generated_tokens_{0}, reused_prompt_tokens_{0};
  std::atomic<int64_t> queue_length_{0}, active_sessions_{0}, idle_sessions_{0}, kv_bytes_{0};
  mutable std::mutex mu_;  // guards what follows
  std::array<int64_t, kTtftBuckets.size()> ttft_counts_{};
  int64_t ttft_count_ = 0;
  double ttft_sum_ = 0;
  double decode_tokens_per_second_ = 0;  // smoothed over recent steps
  std::map<std::string, int64_t> errors_;
};

}  // namespace gemmakit_serve
