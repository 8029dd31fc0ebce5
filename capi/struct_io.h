// Reading and writing size-tagged params structs across versions of the ABI: an older caller's
// shorter struct gets defaults for the fields it does not know; a newer caller's longer struct is
// accepted only when the fields this library does not know are all zero.
#pragma once

#include <cstdint>
#include <cstring>

#include "gemmakit/status.h"

namespace gemmakit::capi {

template <typename T>
T ReadParams(const T* caller, const T& defaults, const char* what) {
  T out = defaults;
  if (caller == nullptr) return out;
  const size_t size = caller->struct_size;
  if (size < sizeof(uint32_t)) Fail(Status::kInvalidArgument, std::string(what) + ": struct_size is not set");
  if (size > sizeof(T)) {
    const unsigned char* tail = reinterpret_cast<const unsigned char*>(caller) + sizeof(T);
    for (size_t i = 0; i < size - sizeof(T); ++i) {
      if (tail[i] != 0) {
        Fail(Status::kUnsupported, std::string(what) + ": fields newer than this library are set (library " +
                                       "struct size " + std::to_string(sizeof(T)) + ", caller's " + std::to_string(size) + ")");
      }
    }
  }
  std::memcpy(&out, caller, size < sizeof(T) ? size : sizeof(T));
  out.struct_size = sizeof(T);
  return out;
}

// Fills a caller's params struct of `size` bytes with `defaults`, zeroing fields newer than T.
template <typename T>
void InitParams(T* caller, size_t size, const T& defaults, const char* what) {
  if (caller == nullptr) Fail(Status::kInvalidArgument, std::string(what) + ": NULL params");
  if (size < sizeof(uint32_t) || size > (1u << 16)) Fail(Status::kInvalidArgument, std::string(what) + ": implausible struct size");
  T d = defaults;
  d.struct_size = static_cast<uint32_t>(size);
  std::memcpy(caller, &d, size < sizeof(T) ? size : sizeof(T));
  if (size > sizeof(T)) std::memset(reinterpret_cast<unsigned char*>(caller) + sizeof(T), 0, size - sizeof(T));
}

// Writes an output struct, as much of it as the caller's struct_size covers.
template <typename T>
void WriteResult(T* caller, const T& value, const char* what) {
  const size_t size = caller->struct_size;
  if (size < sizeof(uint32_t)) Fail(Status::kInvalidArgument, std::string(what) + ": struct_size is not set");
  T v = value;
  v.struct_size = static_cast<uint32_t>(size < sizeof(T) ? size : sizeof(T));
  std::memcpy(caller, &v, size < sizeof(T) ? size : sizeof(T));
}

}  // namespace gemmakit::capi
