#include "access_control.h"

#include <algorithm>

#include "api_error.h"

namespace gemmakit_serve {

std::string AccessControl::Admit(const std::string& authorization, const std::string& remote_addr) {
  std::string client = remote_addr;
  if (!keys_.empty()) {
    const std::string bearer = "Bearer ";
    const std::string key = authorization.rfind(bearer, 0) == 0 ? authorization.substr(bearer.size()) : "";
    if (key.empty()) {
      throw ApiError(401, "invalid_request_error", "missing_api_key",
                     "You didn't provide an API key (Authorization: Bearer YOUR_KEY)");
    }
    if (!keys_.count(key)) throw ApiError(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided");
    client = key;
  }
  if (per_minute_ <= 0) return client;
  // A token bucket per client: per_minute_ requests a minute, bursts of up to per_minute_.
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(client);
  Bucket& b = it->second;
  if (fresh) {
    b.tokens = per_minute_;
  } else {
    const double minutes = std::chrono::duration<double>(now - b.last).count() / 60.0;
    b.tokens = std::min<double>(per_minute_, b.tokens + minutes * per_minute_);
  }
  b.last = now;
  if (b.tokens < 1) {
    throw ApiError(429, "rate_limit_error", "rate_limit_exceeded",
                   "Rate limit reached: " + std::to_string(per_minute_) + " requests per minute");
  }
  b.tokens -= 1;
  return client;
}

}  // namespace gemmakit_serve
