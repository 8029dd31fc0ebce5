#include "gemmakit/log.h"

#include <atomic>
#include <mutex>

namespace gemmakit {
namespace {

std::mutex g_mutex;
LogSink g_sink;
// Read without the lock on every Log call: the common case (no sink) costs one atomic load.
std::atomic<int32_t> g_min_level{INT32_MAX};

}  // namespace

void SetLogSink(LogSink sink, LogLevel min_level) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_min_level.store(sink ? static_cast<int32_t>(min_level) : INT32_MAX, std::memory_order_release);
  g_sink = std::move(sink);
}

bool LogEnabled(LogLevel level) { return static_cast<int32_t>(level) >= g_min_level.load(std::memory_order_acquire); }

void Log(LogLevel level, const std::string& message) {
  if (!LogEnabled(level)) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  // Checked again under the lock: the sink may have been removed since.
  if (g_sink && static_cast<int32_t>(level) >= g_min_level.load(std::memory_order_relaxed)) {
    g_sink(level, message.c_str());
  }
}

}  // namespace gemmakit
