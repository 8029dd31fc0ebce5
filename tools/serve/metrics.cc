#include "metrics.h"

#include <sstream>

namespace gemmakit_serve {

void Metrics::TimeToFirstToken(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < kTtftBuckets.size(); ++i)
    if (seconds <= kTtftBuckets[i]) ++ttft_counts_[i];
  ++ttft_count_;
  ttft_sum_ += seconds;
}

void Metrics::DecodeStep(int64_t tokens, double seconds) {
  GeneratedTokens(tokens);
  if (seconds <= 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  const double rate = static_cast<double>(tokens) / seconds;
  // An exponential average over roughly the last 20 steps: a gauge that follows the load.
  decode_tokens_per_second_ = decode_tokens_per_second_ == 0 ? rate : 0.95 * decode_tokens_per_second_ + 0.05 * rate;
}

void Metrics::Error(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++errors_[kind];
}

std::string Metrics::Render() const {
  std::ostringstream o;
  auto metric = [&](const char* name, const char* type, const char* help, auto value) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n' << name << ' ' << value << '\n';
  };
  metric("gemmakit_requests_total", "counter", "Generation requests accepted.", requests_.load());
  metric("gemmakit_prompt_tokens_total", "counter", "Prompt tokens of accepted requests.", prompt_tokens_.load());
  metric("gemmakit_prompt_tokens_reused_total", "counter",
         "Prompt tokens found already evaluated in a cached session (prefix reuse).", reused_prompt_tokens_.load());
  metric("gemmakit_generated_tokens_total", "counter", "Tokens generated.", generated_tokens_.load());
  metric("gemmakit_queue_length", "gauge", "Requests waiting for a decoding slot.", queue_length_.load());
  metric("gemmakit_active_sessions", "gauge", "Sequences being decoded.", active_sessions_.load());
  metric("gemmakit_idle_sessions", "gauge", "Finished sessions kept for prefix reuse.", idle_sessions_.load());
  metric("gemmakit_kv_bytes", "gauge", "Bytes of KV cache held by all sessions.", kv_bytes_.load());
  std::lock_guard<std::mutex> lock(mu_);
  metric("gemmakit_decode_tokens_per_second", "gauge", "Tokens per second of recent batched decoding steps.",
         decode_tokens_per_second_);
  o << "# HELP gemmakit_time_to_first_token_seconds From request to its first generated token.\n"
    << "# TYPE gemmakit_time_to_first_token_seconds histogram\n";
  for (size_t i = 0; i < kTtftBuckets.size(); ++i)
    o << "gemmakit_time_to_first_token_seconds_bucket{le=\"" << kTtftBuckets[i] << "\"} " << ttft_counts_[i] << '\n';
  o << "gemmakit_time_to_first_token_seconds_bucket{le=\"+Inf\"} " << ttft_count_ << '\n'
    << "gemmakit_time_to_first_token_seconds_sum " << ttft_sum_ << '\n'
    << "gemmakit_time_to_first_token_seconds_count " << ttft_count_ << '\n';
  o << "# HELP gemmakit_errors_total Failed requests by kind (the error code sent).\n"
    << "# TYPE gemmakit_errors_total counter\n";
  for (const auto& [kind, n] : errors_) o << "gemmakit_errors_total{kind=\"" << kind << "\"} " << n << '\n';
  return o.str();
}

}  // namespace gemmakit_serve
