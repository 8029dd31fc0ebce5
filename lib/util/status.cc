#include "gemmakit/status.h"

namespace gemmakit {

const char* StatusName(Status s) {
  switch (s) {
    case Status::kOk: return "ok";
    case Status::kInvalidArgument: return "invalid argument";
    case Status::kIoError: return "I/O error";
    case Status::kFormatError: return "format error";
    case Status::kUnsupported: return "unsupported";
    case Status::kContextFull: return "context full";
    case Status::kCancelled: return "cancelled";
    case Status::kOutOfMemory: return "out of memory";
    case Status::kBufferTooSmall: return "buffer too small";
    case Status::kInternal: return "internal error";
  }
  return "unknown status";
}

void Fail(Status status, const std::string& message) { throw Error(status, message); }

}  // namespace gemmakit
