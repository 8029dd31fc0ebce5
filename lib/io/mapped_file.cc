#include "io/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

[[noreturn]] void FailIo(const std::string& what, const std::string& path, int err) {
  Fail(Status::kIoError, what + " " + path + ": " + std::strerror(err));
}

// Closes the descriptor on every path out of a function, including the throwing ones.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

int OpenReadOnly(const std::string& path) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) FailIo("cannot open", path, errno);
  return fd;
}

// open() succeeds on a directory and mmap() of a FIFO or device is meaningless, so only a regular
// file is accepted; its size comes back.
size_t RegularFileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) FailIo("cannot stat", path, errno);
  if (S_ISDIR(st.st_mode)) FailIo("cannot read", path, EISDIR);
  if (!S_ISREG(st.st_mode)) Fail(Status::kIoError, "cannot read " + path + ": not a regular file");
  if (st.st_size < 0 ||
      static_cast<unsigned long long>(st.st_size) > std::numeric_limits<size_t>::max()) {
    Fail(Status::kIoError, "cannot map " + path + ": file too large for this address space");
  }
  return static_cast<size_t>(st.st_size);
}

bool StatPath(const std::string& path, struct stat* st) { return ::stat(path.c_str(), st) == 0; }

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::Open(const std::string& path) {
  FdGuard fd(OpenReadOnly(path));
  const size_t size = RegularFileSize(fd.get(), path);
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  // mmap() rejects a zero length, and an empty file has nothing to point at anyway.
  if (size == 0) return file;
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) FailIo("cannot map", path, errno);
  file->data_ = static_cast<const uint8_t*>(p);
  file->size_ = size;
  return file;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

void ReleaseMappedPages(const void* p, size_t bytes) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) / page * page;
  if (end <= begin) return;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
  // Later reads (an embedding row per token) then map just their page, not the 64 KB around it
  // that fault-around would map and count as resident.
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_RANDOM);
}

void AdviseRandomAccess(const void* p, size_t bytes) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p) / page * page;
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
  if (p == nullptr || end <= begin) return;
  madvise(reinterpret_cast<void*>(begin), end - begin, MADV_RANDOM);
}

void PrefaultMappedPages(const void* p, size_t bytes) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p) / page * page;
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
  if (end <= begin) return;
#ifndef MADV_POPULATE_READ
  constexpr int MADV_POPULATE_READ = 22;  // Linux 5.14; older kernels reject it and fault as usual
#endif
  if (madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ) != 0) {
    madvise(reinterpret_cast<void*>(begin), end - begin, MADV_WILLNEED);
  }
}

std::string ReadTextFile(const std::string& path, size_t max_bytes) {
  FdGuard fd(OpenReadOnly(path));
  std::string text;
  char buf[1 << 16];
  // Read to end of file rather than trusting st_size: some files (procfs, pipes) report 0.
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      FailIo("cannot read", path, errno);
    }
    if (n == 0) break;
    if (static_cast<size_t>(n) > max_bytes - text.size()) {
      Fail(Status::kFormatError,
           path + " is larger than the " + std::to_string(max_bytes) + " bytes allowed for it");
    }
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

bool FileExists(const std::string& path) {
  struct stat st;
  return StatPath(path, &st) && S_ISREG(st.st_mode);
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return StatPath(path, &st) && S_ISDIR(st.st_mode);
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

}  // namespace gemmakit
