#include "io/safetensors.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "kernels/dtype.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr size_t kLengthBytes = 8;
// The reference implementation's limit: a header this large is corruption, not a model.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

// Names and strings come from an untrusted header and can be megabytes long; a message keeps a
// readable prefix.
std::string Shorten(const std::string& s) {
  constexpr size_t kMax = 96;
  return s.size() <= kMax ? s : s.substr(0, kMax) + "...";
}

[[noreturn]] void FailFormat(const std::string& where, const std::string& what) {
  Fail(Status::kFormatError, where + ": " + what);
}

std::string Range(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

std::string ShapeString(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

bool CheckedMul(uint64_t a, uint64_t b, uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

// Byte by byte, so neither the host's byte order nor the map's alignment matters.
uint64_t LoadLittleEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (size_t i = 0; i < kLengthBytes; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

// Where the tensor data begins, after the length prefix and the JSON text.
struct Layout {
  size_t data_start = 0;
  size_t data_size = 0;
};

Layout CheckLayout(const MappedFile& file) {
  const std::string& path = file.path();
  if (file.size() < kLengthBytes) {
    FailFormat(path, "file is " + std::to_string(file.size()) +
                         " bytes, too short to hold a safetensors header length");
  }
  const uint64_t header_bytes = LoadLittleEndian64(file.data());
  const uint64_t available = file.size() - kLengthBytes;
  if (header_bytes > kMaxHeaderBytes) {
    FailFormat(path, "header length " + std::to_string(header_bytes) + " is absurd (limit " +
                         std::to_string(kMaxHeaderBytes) + "); not a safetensors file?");
  }
  if (header_bytes > available) {
    FailFormat(path, "header length " + std::to_string(header_bytes) +
                         " runs past the end of the " + std::to_string(file.size()) +
                         "-byte file (truncated?)");
  }
  Layout layout;
  layout.data_start = kLengthBytes + static_cast<size_t>(header_bytes);
  layout.data_size = file.size() - layout.data_start;
  return layout;
}

json ParseHeader(const MappedFile& file, const Layout& layout) {
  const char* begin = reinterpret_cast<const char*>(file.data()) + kLengthBytes;
  const char* end = reinterpret_cast<const char*>(file.data()) + layout.data_start;
  json header = json::parse(begin, end, /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) FailFormat(file.path(), "header is not valid JSON");
  if (!header.is_object()) FailFormat(file.path(), "header is JSON but not an object");
  return header;
}

// Kept apart from unknown strings so a valid file in a type this build lacks reads as unsupported,
// while garbage reads as a corrupt file.
bool IsOtherSafetensorsDType(const std::string& s) {
  static const char* const kOthers[] = {
      "BOOL", "U8",  "I8",      "I16",     "U16",     "I32",     "U32",     "I64",    "U64",
      "F64",  "C64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4"};
  for (const char* other : kOthers) {
    if (s == other) return true;
  }
  return false;
}

const json& Field(const json& entry, const char* key, const std::string& where) {
  auto it = entry.find(key);
  if (it == entry.end()) FailFormat(where, std::string("no \"") + key + "\" field");
  return *it;
}

DType ParseDType(const json& entry, const std::string& where) {
  const json& v = Field(entry, "dtype", where);
  if (!v.is_string()) FailFormat(where, "\"dtype\" is not a string");
  const std::string& s = v.get_ref<const std::string&>();
  if (s == "F32") return DType::kF32;
  if (s == "F16") return DType::kF16;
  if (s == "BF16") return DType::kBF16;
  if (IsOtherSafetensorsDType(s)) {
    Fail(Status::kUnsupported, where + ": dtype " + s + " is not supported (only F32, F16, BF16)");
  }
  FailFormat(where, "unknown dtype \"" + Shorten(s) + "\"");
}

int64_t ParseDim(const json& d, const std::string& where) {
  if (d.is_number_unsigned()) {
    const uint64_t v = d.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      FailFormat(where, "dimension " + std::to_string(v) + " is too large");
    }
    return static_cast<int64_t>(v);
  }
  if (d.is_number_integer()) {
    const int64_t v = d.get<int64_t>();
    if (v < 0) FailFormat(where, "negative dimension " + std::to_string(v) + " in shape");
    return v;
  }
  FailFormat(where, "shape has a dimension that is not an integer");
}

// Returns the element count. The product of the non-zero dimensions must fit in int64, so that no
// partial product a consumer forms (rows * cols, numel()) can overflow, even for an empty tensor.
uint64_t ParseShape(const json& entry, const std::string& where, std::vector<int64_t>* shape) {
  const json& v = Field(entry, "shape", where);
  if (!v.is_array()) FailFormat(where, "\"shape\" is not an array");
  uint64_t nonzero_product = 1;
  bool has_zero = false;
  for (const json& d : v) {
    const int64_t dim = ParseDim(d, where);
    shape->push_back(dim);
    if (dim == 0) {
      has_zero = true;
      continue;
    }
    if (!CheckedMul(nonzero_product, static_cast<uint64_t>(dim), &nonzero_product) ||
        nonzero_product > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      FailFormat(where, "shape " + Shorten(v.dump()) + " has more elements than int64 can count");
    }
  }
  return has_zero ? 0 : nonzero_product;
}

std::pair<uint64_t, uint64_t> ParseOffsets(const json& entry, const std::string& where) {
  const json& v = Field(entry, "data_offsets", where);
  if (!v.is_array() || v.size() != 2 || !v[0].is_number_unsigned() || !v[1].is_number_unsigned()) {
    FailFormat(where, "\"data_offsets\" is not a pair of non-negative integers");
  }
  const uint64_t begin = v[0].get<uint64_t>();
  const uint64_t end = v[1].get<uint64_t>();
  if (begin > end) {
    FailFormat(where, "data_offsets " + Range(begin, end) + " end before they begin");
  }
  return {begin, end};
}

TensorEntry ParseTensor(const MappedFile& file, const Layout& layout, const std::string& name,
                        const json& entry) {
  const std::string where = file.path() + ": tensor '" + Shorten(name) + "'";
  if (!entry.is_object()) FailFormat(where, "entry is not a JSON object");
  TensorEntry t;
  t.name = name;
  t.dtype = ParseDType(entry, where);
  const uint64_t numel = ParseShape(entry, where, &t.shape);
  const auto [begin, end] = ParseOffsets(entry, where);
  if (end > layout.data_size) {
    FailFormat(where, "data_offsets " + Range(begin, end) + " run past the " +
                          std::to_string(layout.data_size) +
                          " bytes of data in the file (truncated, or the header lies)");
  }
  uint64_t expected = 0;
  if (!CheckedMul(numel, DTypeBytes(t.dtype, 1), &expected) || expected != end - begin) {
    FailFormat(where, "shape " + ShapeString(t.shape) + " of " + DTypeName(t.dtype) +
                          " does not match data_offsets " + Range(begin, end) + " (" +
                          std::to_string(end - begin) + " bytes)");
  }
  t.data = file.data() + layout.data_start + begin;
  t.nbytes = static_cast<size_t>(end - begin);
  return t;
}

// Overlapping tensors would let a write through one alias another, and usually mean a forged
// header; an empty tensor occupies no bytes and cannot overlap anything.
void CheckNoOverlap(const std::vector<TensorEntry>& tensors, const MappedFile& file) {
  std::vector<const TensorEntry*> sorted;
  for (const TensorEntry& t : tensors) {
    if (t.nbytes != 0) sorted.push_back(&t);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const TensorEntry* a, const TensorEntry* b) { return a->data < b->data; });
  const uint8_t* base = file.data();
  for (size_t i = 1; i < sorted.size(); ++i) {
    const TensorEntry& prev = *sorted[i - 1];
    const TensorEntry& cur = *sorted[i];
    const size_t prev_begin = static_cast<const uint8_t*>(prev.data) - base;
    const size_t cur_begin = static_cast<const uint8_t*>(cur.data) - base;
    if (prev_begin + prev.nbytes > cur_begin) {
      FailFormat(file.path(), "tensors '" + Shorten(prev.name) + "' and '" + Shorten(cur.name) +
                                  "' overlap in the file");
    }
  }
}

std::vector<TensorEntry> ParseTensors(const MappedFile& file) {
  const Layout layout = CheckLayout(file);
  const json header = ParseHeader(file, layout);
  std::vector<TensorEntry> tensors;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      // Free-form strings the writer chose; nothing here depends on them.
      if (!it.value().is_object() && !it.value().is_null()) {
        FailFormat(file.path(), "\"__metadata__\" is not a JSON object");
      }
      continue;
    }
    tensors.push_back(ParseTensor(file, layout, it.key(), it.value()));
  }
  CheckNoOverlap(tensors, file);
  return tensors;
}

}  // namespace

void ReadSafetensors(std::shared_ptr<const MappedFile> file, TensorIndex* index) {
  if (!file || !index) Fail(Status::kInvalidArgument, "ReadSafetensors: null file or index");
  std::vector<TensorEntry> tensors;
  try {
    tensors = ParseTensors(*file);
  } catch (const json::exception& e) {
    // Every field is type-checked before it is read, so this is a safety net: whatever nlohmann
    // still objects to is a malformed header, never an internal error.
    Fail(Status::kFormatError, file->path() + ": malformed safetensors header: " + e.what());
  }
  // Checked up front so a failure leaves the index as it was, not holding half a file.
  for (const TensorEntry& t : tensors) {
    if (index->Find(t.name)) {
      Fail(Status::kFormatError, file->path() + ": tensor '" + Shorten(t.name) +
                                     "' is already in the checkpoint (from another file)");
    }
  }
  index->KeepAlive(file);
  for (TensorEntry& t : tensors) index->Add(std::move(t));
}

}  // namespace gemmakit
