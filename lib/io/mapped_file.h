// A read-only memory map of a whole file. Weights point straight into it, so it lives as long as
// any model that uses it (shared ownership).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace gemmakit {

class MappedFile {
 public:
  // Throws Error(kIoError) when the file is missing or unreadable. An empty file maps to size 0.
  static std::shared_ptr<const MappedFile> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Drops the resident pages inside [p, p + bytes) of a read-only file mapping; touching them again
// reads them back from the file. For weights repacked at load, so that the original copy stops
// counting against the process's memory.
void ReleaseMappedPages(const void* p, size_t bytes);

// Maps [p, p + bytes) of a file mapping into memory now, in bulk, rather than page fault by page
// fault: for data about to be read in full, such as weights repacked at load.
void PrefaultMappedPages(const void* p, size_t bytes);
// A mapped range read a little at a time in no order (a lookup table): no readahead around faults.
// Harmless on memory that is not a file mapping.
void AdviseRandomAccess(const void* p, size_t bytes);

// Reads a whole (small) file, such as config.json, into a string. Throws Error(kIoError).
std::string ReadTextFile(const std::string& path, size_t max_bytes = 64u << 20);

bool FileExists(const std::string& path);
bool IsDirectory(const std::string& path);
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace gemmakit
