// Every tensor of a checkpoint by name, whatever file format it came from: type, shape and a
// pointer into the memory-mapped file. The model looks weights up here and never sees a format.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.h"
#include "kernels/dtype.h"

namespace gemmakit {

struct TensorEntry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;  // outermost first, as PyTorch writes it: a Linear weight is [out, in]
  const void* data = nullptr;  // inside a MappedFile held by the index
  size_t nbytes = 0;

  int64_t numel() const;
};

class TensorIndex {
 public:
  // Adds a tensor. Throws Error(kFormatError) on a duplicate name.
  void Add(TensorEntry entry);
  // Keeps a file alive for as long as the index (and anything that holds the index) lives.
  void KeepAlive(std::shared_ptr<const MappedFile> file);

  const TensorEntry* Find(const std::string& name) const;
  size_t size() const { return tensors_.size(); }
  const std::map<std::string, TensorEntry>& all() const { return tensors_; }
  const std::vector<std::shared_ptr<const MappedFile>>& files() const { return files_; }
  // Bytes made at load (a tensor cut from another) that entries point into, kept with the index.
  void Own(std::shared_ptr<const std::vector<uint8_t>> bytes) { owned_.push_back(std::move(bytes)); }
  const std::vector<std::shared_ptr<const std::vector<uint8_t>>>& owned() const { return owned_; }

 private:
  std::map<std::string, TensorEntry> tensors_;
  std::vector<std::shared_ptr<const MappedFile>> files_;
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> owned_;
};

// Renaming a checkpoint's tensors to canonical names: a tensor whose name starts with `stored`
// (the first rule that matches wins) gets `canonical` in place of that prefix; tensors no rule
// matches are left out. The result keeps the same files alive.
struct PrefixRule {
  const char* stored;
  const char* canonical;
};
std::shared_ptr<const TensorIndex> RenameByPrefix(const TensorIndex& stored, const PrefixRule* rules, size_t n_rules);

}  // namespace gemmakit
