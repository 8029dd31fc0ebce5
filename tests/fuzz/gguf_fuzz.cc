// libFuzzer target for the GGUF reader. Any input must either parse or throw gemmakit::Error
// (kFormatError or kUnsupported): never crash, hang, over-allocate, or throw anything else. What
// parses must also hold up: every tensor's bytes inside the file, aligned, sized as its type and
// dims say, and disjoint from the others. ASan cannot see reads of a memory map, so those
// invariants, and a guard page after the map, stand in for it.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gemmakit/status.h"
#include "io/gguf.h"
#include "io/mapped_file.h"

namespace {
constexpr char kFuzzerName[] = "gguf_fuzz";
}  // namespace

#include "fuzz_input.h"

namespace {

void CheckParsed(const gemmakit::GgufFile& g, const gemmakit::MappedFile& f) {
  using gemmakit::GgufType;
  CHECK(g.file.get() == &f);
  CHECK(g.version == 2 || g.version == 3);
  CHECK(g.alignment != 0 && (g.alignment & (g.alignment - 1)) == 0);
  CHECK(g.data_offset % g.alignment == 0);
  CHECK(g.data_offset >= 24);
  for (const auto& [key, v] : g.metadata) {
    CHECK(g.Find(key) == &v);
    if (v.type == GgufType::kArray) {
      CHECK(v.elem_type != GgufType::kArray);
      if (v.elem_type == GgufType::kString) CHECK(v.numbers.empty());
      else CHECK(v.strings.empty());
    }
  }
  std::set<std::string> names;
  std::vector<const gemmakit::GgufTensorInfo*> by_offset;
  volatile uint8_t sink = 0;
  for (const gemmakit::GgufTensorInfo& t : g.tensors) {
    CHECK(names.insert(t.name).second);
    CHECK(t.dims.size() >= 1 && t.dims.size() <= 4);
    const gemmakit::GgmlTypeTraits* traits = gemmakit::FindGgmlType(static_cast<uint32_t>(t.type));
    CHECK(traits != nullptr);
    CHECK(t.dims[0] % traits->block_elems == 0);
    // In 128 bits, saturating, so no product of dims can wrap into a plausible size.
    const bool empty = std::find(t.dims.begin(), t.dims.end(), 0) != t.dims.end();
    unsigned __int128 bytes = std::min<unsigned __int128>(
        (t.dims[0] / traits->block_elems) * static_cast<unsigned __int128>(traits->block_bytes),
        ~uint64_t{0});
    for (size_t d = 1; d < t.dims.size(); ++d) {
      bytes = std::min<unsigned __int128>(bytes * t.dims[d], ~uint64_t{0});
    }
    CHECK((empty ? 0 : bytes) == t.nbytes);
    CHECK(t.offset % g.alignment == 0);
    CHECK(g.data_offset <= f.size() && t.offset <= f.size() - g.data_offset &&
          t.nbytes <= f.size() - g.data_offset - t.offset);
    CHECK(t.data == f.data() + g.data_offset + t.offset);
    const auto* p = static_cast<const uint8_t*>(t.data);
    uint8_t acc = 0;
    for (size_t i = 0; i < t.nbytes; ++i) acc ^= p[i];
    sink = sink ^ acc;
    if (t.nbytes) by_offset.push_back(&t);
  }
  (void)sink;
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    CHECK(by_offset[i - 1]->offset + by_offset[i - 1]->nbytes <= by_offset[i]->offset);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::shared_ptr<const gemmakit::MappedFile> file = MapInput(data, size);
  GuardPage guard(*file);
  CHECK(gemmakit::LooksLikeGguf(*file) == (size >= 4 && std::memcmp(data, "GGUF", 4) == 0));
  try {
    const gemmakit::GgufFile g = gemmakit::ReadGguf(file);
    CheckParsed(g, *file);
  } catch (const gemmakit::Error& e) {
    CHECK(e.status() == gemmakit::Status::kFormatError ||
          e.status() == gemmakit::Status::kUnsupported);
    CHECK(std::strlen(e.what()) > 0);
  }
  return 0;
}
