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
constexpr char kFuzzerName[] = "safetensors_fuzz";
}  // namespace

#include "fuzz_input.h"

namespace {

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
