// Errors inside the C++ library are exceptions of one type carrying a status code; the C API turns
// them into gemmakit_status values and a thread-local message, so none ever reaches a C caller.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace gemmakit {

// Values equal the GEMMAKIT_ERR_* codes of capi/gemmakit.h.
enum class Status : int32_t {
  kOk = 0,
  kInvalidArgument = -1,  // NULL handle, out-of-range parameter, bad id
  kIoError = -2,          // file missing, unreadable
  kFormatError = -3,      // corrupt, truncated or lying file contents
  kUnsupported = -4,      // valid input this build does not handle (unknown architecture, dtype)
  kContextFull = -5,      // the prompt or generation does not fit the context
  kCancelled = -6,        // a caller's callback asked to stop a long call
  kOutOfMemory = -7,
  kBufferTooSmall = -8,   // a caller buffer could not hold the result; the size needed is returned
  kInternal = -9,
};

const char* StatusName(Status s);

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

[[noreturn]] void Fail(Status status, const std::string& message);

}  // namespace gemmakit
