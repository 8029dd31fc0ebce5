// GGUF (version 2 and 3), as llama.cpp writes it: a header, typed metadata key/values, tensor
// infos, then aligned tensor data. This layer parses and validates; what the keys mean for a
// Gemma model is decided in gguf_checkpoint.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/mapped_file.h"

namespace gemmakit {

// Metadata value types, numbered as in the GGUF specification.
enum class GgufType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6, kBool = 7,
  kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};

// Tensor element types, numbered as ggml numbers them (only those with a fixed, known layout).
enum class GgmlType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ2_K = 10, kQ3_K = 11, kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15, kIQ4_NL = 20, kIQ4_XS = 23,
  kBF16 = 30,
};

struct GgmlTypeTraits {
  const char* name;
  uint32_t block_elems;  // elements per block (1 for plain types)
  uint32_t block_bytes;  // bytes per block
};
// Null for a type number this build does not know.
const GgmlTypeTraits* FindGgmlType(uint32_t type);

struct GgufValue {
  GgufType type = GgufType::kUint32;
  // Scalars: integers in i (signed types) or u (unsigned, bool), floats in f.
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
  std::string s;
  // Arrays: element type, and the elements in `strings` (string arrays) or `numbers` (numeric and
  // bool arrays, as double: exact for every integer up to 2^53). Nested arrays are rejected.
  GgufType elem_type = GgufType::kUint32;
  std::vector<std::string> strings;
  std::vector<double> numbers;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> dims;  // ggml order: dims[0] is the innermost (contiguous) dimension
  GgmlType type = GgmlType::kF32;
  uint64_t offset = 0;         // from the start of the data section
  size_t nbytes = 0;
  const void* data = nullptr;  // into the mapped file
};

struct GgufFile {
  std::shared_ptr<const MappedFile> file;
  uint32_t version = 0;
  size_t alignment = 32;
  size_t data_offset = 0;
  std::map<std::string, GgufValue> metadata;
  std::vector<GgufTensorInfo> tensors;

  const GgufValue* Find(const std::string& key) const;
};

// Parses and validates the whole file. Throws Error(kFormatError) naming the file and what is
// wrong: bad magic, unsupported version (kUnsupported), truncation anywhere, counts or lengths
// larger than the file could hold, strings not valid to the end, metadata of unknown type,
// nested arrays, duplicate keys or tensor names, dims of zero rank or overflowing sizes, a first
// dimension not a multiple of the type's block, tensor data out of bounds, misaligned or
// overlapping. Unknown tensor types throw Error(kUnsupported).
GgufFile ReadGguf(std::shared_ptr<const MappedFile> file);

// True when the file starts with the GGUF magic.
bool LooksLikeGguf(const MappedFile& file);

}  // namespace gemmakit
