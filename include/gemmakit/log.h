// Process-wide diagnostics: the library reports what it did (a model loaded, a generation
// finished) to one sink the host installs. Without a sink, nothing is printed: an embedded
// library must not write to a game's or an app's stderr on its own.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace gemmakit {

// Values equal the GEMMAKIT_LOG_* codes of capi/gemmakit.h.
enum class LogLevel : int32_t { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Called on the thread whose library call produced the message (never on a worker thread).
using LogSink = std::function<void(LogLevel level, const char* message)>;

// Installs sink for messages of min_level and above; an empty sink removes it. Thread-safe. The
// sink runs under a lock: it must not install another sink.
void SetLogSink(LogSink sink, LogLevel min_level);

// True when a message of this level would reach a sink (so callers can skip formatting it).
bool LogEnabled(LogLevel level);
void Log(LogLevel level, const std::string& message);

}  // namespace gemmakit
