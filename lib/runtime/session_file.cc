// Saved sessions as files: the blob of Session::SaveState, written and read whole.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "gemmakit/session.h"
#include "gemmakit/status.h"

namespace gemmakit {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

[[noreturn]] void IoFail(const std::string& what, const std::string& path) {
  Fail(Status::kIoError, what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

void Session::SaveStateFile(const std::string& path) const {
  const std::vector<uint8_t> blob = SaveState();
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) IoFail("cannot create", path);
  if (std::fwrite(blob.data(), 1, blob.size(), f.get()) != blob.size()) IoFail("cannot write", path);
  if (std::fclose(f.release()) != 0) IoFail("cannot write", path);
}

void Session::LoadStateFile(const std::string& path) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) IoFail("cannot open", path);
  std::vector<uint8_t> blob;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) blob.insert(blob.end(), buf, buf + n);
  if (std::ferror(f.get())) IoFail("cannot read", path);
  LoadState(blob.data(), blob.size());
}

}  // namespace gemmakit
