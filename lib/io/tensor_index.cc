#include "io/tensor_index.h"

#include <algorithm>
#include <utility>

#include "gemmakit/status.h"

namespace gemmakit {

// The readers check that the product fits before they add an entry, so no overflow check here.
int64_t TensorEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

void TensorIndex::Add(TensorEntry entry) {
  if (tensors_.count(entry.name) != 0) {
    Fail(Status::kFormatError,
         "tensor " + entry.name + " appears more than once in the checkpoint");
  }
  std::string name = entry.name;
  tensors_.emplace(std::move(name), std::move(entry));
}

void TensorIndex::KeepAlive(std::shared_ptr<const MappedFile> file) {
  if (!file) return;
  // A reader may hand the same file over more than once; one reference is enough.
  if (std::find(files_.begin(), files_.end(), file) != files_.end()) return;
  files_.push_back(std::move(file));
}

const TensorEntry* TensorIndex::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

std::shared_ptr<const TensorIndex> RenameByPrefix(const TensorIndex& stored, const PrefixRule* rules, size_t n_rules) {
  auto out = std::make_shared<TensorIndex>();
  for (const auto& [name, entry] : stored.all()) {
    for (size_t r = 0; r < n_rules; ++r) {
      const std::string prefix = rules[r].stored;
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      TensorEntry e = entry;
      e.name = rules[r].canonical + name.substr(prefix.size());
      out->Add(std::move(e));
      break;
    }
  }
  for (const auto& file : stored.files()) out->KeepAlive(file);
  for (const auto& bytes : stored.owned()) out->Own(bytes);
  return out;
}

}  // namespace gemmakit
