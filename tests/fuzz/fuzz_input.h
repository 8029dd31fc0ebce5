// What both parser fuzzers share: the input written to a memfd that MappedFile can map, a guard
// page after the map (ASan cannot see reads of a memory map), and an invariant check that aborts.
// Each fuzzer defines kFuzzerName before including this header.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.h"

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "%s: invariant broken: %s\n", kFuzzerName, what);
  std::abort();
}
#define CHECK(cond)                  \
  do {                               \
    if (!(cond)) Die(#cond);         \
  } while (0)

// The input as a file MappedFile::Open can map: one memfd, rewritten for each input and reached
// through /proc (no disk traffic); a temp file where memfd_create is missing.
const std::string& InputPath(int* fd_out) {
  static int fd = -1;
  static std::string path;
  if (fd < 0) {
    fd = memfd_create(kFuzzerName, MFD_CLOEXEC);
    if (fd >= 0) {
      path = "/proc/self/fd/" + std::to_string(fd);
    } else {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + kFuzzerName + "_XXXXXX";
      std::vector<char> buf(pattern.begin(), pattern.end());
      buf.push_back('\0');
      fd = mkstemp(buf.data());
      if (fd < 0) Die("cannot create an input file");
      path = buf.data();
    }
  }
  *fd_out = fd;
  return path;
}

std::shared_ptr<const gemmakit::MappedFile> MapInput(const uint8_t* data, size_t size) {
  int fd;
  const std::string& path = InputPath(&fd);
  if (ftruncate(fd, 0) != 0) Die("ftruncate");
  for (size_t done = 0; done < size;) {
    const ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) Die("pwrite");
    done += static_cast<size_t>(n);
  }
  return gemmakit::MappedFile::Open(path);
}

// Makes the page after the map inaccessible, when that page is free, so a read running past the
// last page faults instead of landing in whatever is mapped next.
class GuardPage {
 public:
  explicit GuardPage(const gemmakit::MappedFile& f) {
    if (f.size() == 0) return;
    const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
    const uintptr_t end = (reinterpret_cast<uintptr_t>(f.data()) + f.size() + page - 1) & ~(page - 1);
    void* want = reinterpret_cast<void*>(end);
    void* got = mmap(want, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (got == MAP_FAILED) return;
    if (got != want) {  // a kernel that ignores MAP_FIXED_NOREPLACE put it elsewhere
      munmap(got, page);
      return;
    }
    addr_ = got;
    len_ = page;
  }
  ~GuardPage() {
    if (addr_) munmap(addr_, len_);
  }

 private:
  void* addr_ = nullptr;
  size_t len_ = 0;
};

}  // namespace
