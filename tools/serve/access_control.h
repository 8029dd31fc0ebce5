// Who may call the API and how often: optional API keys (Authorization: Bearer KEY) and a
// per-key (per-address without keys) limit of requests per minute.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace gemmakit_serve {

class AccessControl {
 public:
  AccessControl(std::set<std::string> keys, int32_t requests_per_minute)
      : keys_(std::move(keys)), per_minute_(requests_per_minute) {}
  // Throws ApiError 401 for a missing or wrong key, 429 past the rate; returns the client's
  // identity (its key, or its address when the server has no keys).
  std::string Admit(const std::string& authorization_header, const std::string& remote_addr);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point last;
  };
  std::set<std::string> keys_;
  int32_t per_minute_;  // 0: unlimited
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace gemmakit_serve
