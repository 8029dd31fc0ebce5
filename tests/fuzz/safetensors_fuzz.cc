// libFuzzer target for the safetensors reader. Any input must either load or throw
// gemmakit::Error (kFormatError or kUnsupported) leaving the index untouched: never crash,
// over-allocate, or throw anything else. What loads must point only inside the file, at disjoint
// bytes. ASan cannot see reads of a memory map, so those invariants, and a guard page after the
// map, stand in for it.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gemmakit/status.h"
#include "io/mapped_file.h"
#include "io/safetensors.h"
#include "io/tensor_index.h"

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "safetensors_fuzz: invariant broken: %s\n", what);
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
    fd = memfd_create("safetensors_fuzz", MFD_CLOEXEC);
    if (fd >= 0) {
      path = "/proc/self/fd/" + std::to_string(fd);
    } else {
      const char* tmp = std::getenv("TMPDIR");
      std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/safetensors_fuzz_XXXXXX";
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

void CheckLoaded(const gemmakit::TensorIndex& index, const gemmakit::MappedFile& f) {
  CHECK(index.files().size() == 1 && index.files()[0].get() == &f);
  const uint8_t* begin = f.data();
  const uint8_t* end = f.data() + f.size();
  std::vector<const gemmakit::TensorEntry*> sorted;
  volatile uint8_t sink = 0;
  for (const auto& [name, t] : index.all()) {
    CHECK(name == t.name);
    CHECK(t.dtype == gemmakit::DType::kF32 || t.dtype == gemmakit::DType::kF16 ||
          t.dtype == gemmakit::DType::kBF16);
    const size_t elem = t.dtype == gemmakit::DType::kF32 ? 4 : 2;
    CHECK(t.numel() >= 0);
    CHECK(static_cast<unsigned __int128>(t.numel()) * elem == t.nbytes);
    const auto* p = static_cast<const uint8_t*>(t.data);
    CHECK(p >= begin + 8 && p <= end && t.nbytes <= static_cast<size_t>(end - p));
    uint8_t acc = 0;
    for (size_t i = 0; i < t.nbytes; ++i) acc ^= p[i];
    sink = sink ^ acc;
    if (t.nbytes) sorted.push_back(&t);
  }
  (void)sink;
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->data < b->data; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    CHECK(static_cast<const uint8_t*>(sorted[i - 1]->data) + sorted[i - 1]->nbytes <=
          static_cast<const uint8_t*>(sorted[i]->data));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::shared_ptr<const gemmakit::MappedFile> file = MapInput(data, size);
  GuardPage guard(*file);
  gemmakit::TensorIndex index;
  try {
    gemmakit::ReadSafetensors(file, &index);
    CheckLoaded(index, *file);
  } catch (const gemmakit::Error& e) {
    CHECK(e.status() == gemmakit::Status::kFormatError ||
          e.status() == gemmakit::Status::kUnsupported);
    CHECK(index.size() == 0 && index.files().empty());
  }
  return 0;
}
