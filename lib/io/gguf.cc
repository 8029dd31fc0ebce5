#include "io/gguf.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr uint32_t kMaxDims = 4;         // GGML_MAX_DIMS
constexpr uint64_t kDefaultAlignment = 32;
// llama.cpp accepts any power of two; a larger one is a forged header, not a model, and would let
// one byte of header push the data section a gigabyte away.
constexpr uint64_t kMaxAlignment = 1u << 20;
constexpr const char* kAlignmentKey = "general.alignment";

// The fewest bytes an item can take, used to bound counts by what is left in the file before any
// container is sized from them.
constexpr uint64_t kMinStringBytes = 8;                          // u64 length, no text
constexpr uint64_t kMinKeyValueBytes = kMinStringBytes + 4 + 1;  // key, type, a u8/i8/bool
// name, n_dims, one dim, type, offset
constexpr uint64_t kMinTensorInfoBytes = kMinStringBytes + 4 + 8 + 4 + 8;

// Names and keys come from an untrusted file and can be megabytes long or hold control bytes; a
// message keeps a readable one-line prefix, with control bytes escaped as \xNN.
std::string Shorten(const std::string& s) {
  constexpr size_t kMax = 96;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return s.size() <= kMax ? out : out + "...";
}

[[noreturn]] void FailFormat(const std::string& where, const std::string& what) {
  Fail(Status::kFormatError, where + ": " + what);
}

bool CheckedMul(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }
bool CheckedAdd(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }

bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

const char* TypeName(GgufType t) {
  switch (t) {
    case GgufType::kUint8: return "uint8";
    case GgufType::kInt8: return "int8";
    case GgufType::kUint16: return "uint16";
    case GgufType::kInt16: return "int16";
    case GgufType::kUint32: return "uint32";
    case GgufType::kInt32: return "int32";
    case GgufType::kFloat32: return "float32";
    case GgufType::kBool: return "bool";
    case GgufType::kString: return "string";
    case GgufType::kArray: return "array";
    case GgufType::kUint64: return "uint64";
    case GgufType::kInt64: return "int64";
    case GgufType::kFloat64: return "float64";
  }
  return "?";
}

// Bytes a scalar of `t` occupies; 0 for string and array, whose size is in the data.
uint64_t ScalarBytes(GgufType t) {
  switch (t) {
    case GgufType::kUint8: case GgufType::kInt8: case GgufType::kBool: return 1;
    case GgufType::kUint16: case GgufType::kInt16: return 2;
    case GgufType::kUint32: case GgufType::kInt32: case GgufType::kFloat32: return 4;
    case GgufType::kUint64: case GgufType::kInt64: case GgufType::kFloat64: return 8;
    case GgufType::kString: case GgufType::kArray: return 0;
  }
  return 0;
}

// A bounds-checked cursor over the mapped file. Every read names what it was reading, so a
// truncated file says where it ends and what was cut.
class Reader {
 public:
  explicit Reader(const MappedFile& file) : file_(file) {}

  const std::string& path() const { return file_.path(); }
  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return file_.size() - pos_; }

  // Byte by byte, so neither the host's byte order nor the map's alignment matters.
  uint64_t LoadLE(size_t n, const std::string& what) {
    Need(n, what);
    const uint8_t* p = file_.data() + pos_;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    pos_ += n;
    return v;
  }
  uint32_t U32(const std::string& what) { return static_cast<uint32_t>(LoadLE(4, what)); }
  uint64_t U64(const std::string& what) { return LoadLE(8, what); }

  std::string String(const std::string& what) {
    const uint64_t len = U64(what);
    if (len > remaining()) {
      FailFormat(path(), what + " at offset " + std::to_string(pos_ - 8) + " claims " +
                             std::to_string(len) + " bytes but only " +
                             std::to_string(remaining()) + " remain in the file (truncated?)");
    }
    std::string s(reinterpret_cast<const char*>(file_.data() + pos_), static_cast<size_t>(len));
    pos_ += len;
    return s;
  }

  void Need(uint64_t n, const std::string& what) const {
    if (n > remaining()) {
      FailFormat(path(), "truncated: " + what + " needs " + std::to_string(n) +
                             " bytes at offset " + std::to_string(pos_) + " but the file is " +
                             std::to_string(file_.size()) + " bytes");
    }
  }

 private:
  const MappedFile& file_;
  uint64_t pos_ = 0;
};

// Checks that `count` items of at least `min_bytes` each could fit in what is left, before any
// container is sized from the count.
void CheckCount(const Reader& r, uint64_t count, uint64_t min_bytes, const std::string& what) {
  if (count > r.remaining() / min_bytes) {
    FailFormat(r.path(), what + " " + std::to_string(count) + " is more than the " +
                             std::to_string(r.remaining()) + " bytes left in the file could hold");
  }
}

GgufType ReadType(Reader& r, const std::string& where) {
  const uint32_t t = r.U32(where + " type");
  if (t > static_cast<uint32_t>(GgufType::kFloat64)) {
    FailFormat(r.path(), where + " has unknown value type " + std::to_string(t));
  }
  return static_cast<GgufType>(t);
}

// Reads one scalar of type `t` into `v` (i, u or f as the header describes). `where` names the
// value in messages; it is built once per key, not per array element.
void ReadScalar(Reader& r, GgufType t, const std::string& where, GgufValue* v) {
  const uint64_t raw = r.LoadLE(static_cast<size_t>(ScalarBytes(t)), where);
  switch (t) {
    case GgufType::kUint8: case GgufType::kUint16: case GgufType::kUint32: case GgufType::kUint64:
      v->u = raw;
      break;
    case GgufType::kBool:
      if (raw > 1) FailFormat(r.path(), where + " is a bool of value " + std::to_string(raw));
      v->u = raw;
      break;
    case GgufType::kInt8: v->i = static_cast<int8_t>(raw); break;
    case GgufType::kInt16: v->i = static_cast<int16_t>(raw); break;
    case GgufType::kInt32: v->i = static_cast<int32_t>(raw); break;
    case GgufType::kInt64: v->i = static_cast<int64_t>(raw); break;
    case GgufType::kFloat32: {
      const uint32_t bits = static_cast<uint32_t>(raw);
      float f;
      static_assert(sizeof f == sizeof bits, "float is not 32-bit");
      std::memcpy(&f, &bits, sizeof f);
      v->f = static_cast<double>(f);
      break;
    }
    case GgufType::kFloat64: {
      double d;
      static_assert(sizeof d == sizeof raw, "double is not 64-bit");
      std::memcpy(&d, &raw, sizeof d);
      v->f = d;
      break;
    }
    case GgufType::kString: case GgufType::kArray:
      Fail(Status::kInternal, "ReadScalar called for a " + std::string(TypeName(t)));
  }
}

double ScalarAsDouble(const GgufValue& v, GgufType t) {
  switch (t) {
    case GgufType::kFloat32: case GgufType::kFloat64: return v.f;
    case GgufType::kInt8: case GgufType::kInt16: case GgufType::kInt32: case GgufType::kInt64:
      return static_cast<double>(v.i);
    default: return static_cast<double>(v.u);
  }
}

void ReadArray(Reader& r, const std::string& where, GgufValue* v) {
  v->elem_type = ReadType(r, where + " array element");
  if (v->elem_type == GgufType::kArray) FailFormat(r.path(), where + " is a nested array");
  const uint64_t count = r.U64(where + " array count");
  const uint64_t elem_min =
      v->elem_type == GgufType::kString ? kMinStringBytes : ScalarBytes(v->elem_type);
  CheckCount(r, count, elem_min, where + " array count");
  const std::string elem_where = where + " array element";
  if (v->elem_type == GgufType::kString) {
    v->strings.reserve(static_cast<size_t>(count));
    for (uint64_t k = 0; k < count; ++k) v->strings.push_back(r.String(elem_where));
    return;
  }
  v->numbers.reserve(static_cast<size_t>(count));
  GgufValue elem;
  for (uint64_t k = 0; k < count; ++k) {
    ReadScalar(r, v->elem_type, elem_where, &elem);
    v->numbers.push_back(ScalarAsDouble(elem, v->elem_type));
  }
}

GgufValue ReadValue(Reader& r, const std::string& where) {
  GgufValue v;
  v.type = ReadType(r, where);
  if (v.type == GgufType::kString) {
    v.s = r.String(where);
  } else if (v.type == GgufType::kArray) {
    ReadArray(r, where, &v);
  } else {
    ReadScalar(r, v.type, where, &v);
  }
  return v;
}

void ReadMetadata(Reader& r, uint64_t kv_count, GgufFile* out) {
  for (uint64_t k = 0; k < kv_count; ++k) {
    std::string key = r.String("metadata key #" + std::to_string(k));
    const std::string where = "metadata '" + Shorten(key) + "'";
    GgufValue value = ReadValue(r, where);
    if (!out->metadata.emplace(std::move(key), std::move(value)).second) {
      FailFormat(r.path(), "duplicate " + where);
    }
  }
}

uint64_t Alignment(const GgufFile& f, const std::string& path) {
  const GgufValue* v = f.Find(kAlignmentKey);
  if (!v) return kDefaultAlignment;
  // llama.cpp requires exactly this type; anything else is a writer bug we should not guess at.
  if (v->type != GgufType::kUint32) {
    FailFormat(path, std::string(kAlignmentKey) + " is a " + TypeName(v->type) + ", not a uint32");
  }
  if (!IsPowerOfTwo(v->u) || v->u > kMaxAlignment) {
    FailFormat(path, std::string(kAlignmentKey) + " " + std::to_string(v->u) +
                         " is not a power of two up to " + std::to_string(kMaxAlignment));
  }
  return v->u;
}

std::string DimsString(const std::vector<uint64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

// Reads one tensor info and computes its byte size; bounds against the data section come later,
// once the data section's start is known.
GgufTensorInfo ReadTensorInfo(Reader& r, uint64_t index) {
  GgufTensorInfo t;
  t.name = r.String("tensor #" + std::to_string(index) + " name");
  const std::string where = "tensor '" + Shorten(t.name) + "'";
  const uint32_t n_dims = r.U32(where + " n_dims");
  if (n_dims < 1 || n_dims > kMaxDims) {
    FailFormat(r.path(), where + " has " + std::to_string(n_dims) + " dimensions (1 to " +
                             std::to_string(kMaxDims) + " allowed)");
  }
  t.dims.reserve(n_dims);
  for (uint32_t d = 0; d < n_dims; ++d) t.dims.push_back(r.U64(where + " dims"));
  const uint32_t type = r.U32(where + " type");
  t.offset = r.U64(where + " offset");

  // The product of the non-zero dimensions must fit in int64 (ggml's element count type), so that
  // no partial product a consumer forms can overflow, even for an empty tensor.
  uint64_t nonzero_product = 1;
  for (uint64_t d : t.dims) {
    if (d == 0) continue;
    if (!CheckedMul(nonzero_product, d, &nonzero_product) ||
        nonzero_product > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      FailFormat(r.path(), where + " dims " + DimsString(t.dims) +
                               " have more elements than int64 can count");
    }
  }
  const GgmlTypeTraits* traits = FindGgmlType(type);
  if (!traits) {
    Fail(Status::kUnsupported, r.path() + ": " + where + " has ggml type " + std::to_string(type) +
                                   ", which this build does not support");
  }
  t.type = static_cast<GgmlType>(type);
  if (t.dims[0] % traits->block_elems != 0) {
    FailFormat(r.path(), where + " dims " + DimsString(t.dims) + ": the first dimension is not a " +
                             "multiple of the " + std::to_string(traits->block_elems) +
                             "-element " + traits->name + " block");
  }
  uint64_t nbytes = 0;
  bool ok = CheckedMul(t.dims[0] / traits->block_elems, traits->block_bytes, &nbytes);
  for (size_t d = 1; ok && d < t.dims.size(); ++d) ok = CheckedMul(nbytes, t.dims[d], &nbytes);
  if (!ok || nbytes > std::numeric_limits<size_t>::max()) {
    FailFormat(r.path(), where + " dims " + DimsString(t.dims) + " of " + traits->name +
                             " take more bytes than a 64-bit size can count");
  }
  t.nbytes = static_cast<size_t>(nbytes);
  return t;
}

// Points each tensor into the map once its bytes are known to lie inside the file, aligned.
void PlaceTensors(const MappedFile& file, GgufFile* out) {
  const uint64_t data_size = file.size() >= out->data_offset ? file.size() - out->data_offset : 0;
  for (GgufTensorInfo& t : out->tensors) {
    const std::string where = "tensor '" + Shorten(t.name) + "'";
    if (t.offset % out->alignment != 0) {
      FailFormat(file.path(), where + " offset " + std::to_string(t.offset) +
                                  " is not a multiple of the alignment " +
                                  std::to_string(out->alignment));
    }
    uint64_t end = 0;
    if (out->data_offset > file.size() || !CheckedAdd(t.offset, t.nbytes, &end) ||
        end > data_size) {
      FailFormat(file.path(), where + " data [" + std::to_string(t.offset) + ", " +
                                  std::to_string(t.offset) + " + " + std::to_string(t.nbytes) +
                                  ") runs past the " + std::to_string(data_size) +
                                  " bytes of data in the file (truncated, or the header lies)");
    }
    t.data = file.data() + out->data_offset + t.offset;
  }
}

// Overlapping tensors would let a write through one alias another, and usually mean a forged
// header; an empty tensor occupies no bytes and cannot overlap anything.
void CheckNoOverlap(const GgufFile& f, const std::string& path) {
  std::vector<const GgufTensorInfo*> sorted;
  for (const GgufTensorInfo& t : f.tensors) {
    if (t.nbytes != 0) sorted.push_back(&t);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const GgufTensorInfo* a, const GgufTensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    const GgufTensorInfo& prev = *sorted[i - 1];
    const GgufTensorInfo& cur = *sorted[i];
    // Both ends were checked against the file size, so the sum cannot overflow.
    if (prev.offset + prev.nbytes > cur.offset) {
      FailFormat(path, "tensors '" + Shorten(prev.name) + "' and '" + Shorten(cur.name) +
                           "' overlap in the file");
    }
  }
}

}  // namespace

const GgmlTypeTraits* FindGgmlType(uint32_t type) {
  struct Entry {
    GgmlType type;
    GgmlTypeTraits traits;
  };
  static const Entry kTypes[] = {
      {GgmlType::kF32, {"F32", 1, 4}},        {GgmlType::kF16, {"F16", 1, 2}},
      {GgmlType::kBF16, {"BF16", 1, 2}},      {GgmlType::kQ4_0, {"Q4_0", 32, 18}},
      {GgmlType::kQ4_1, {"Q4_1", 32, 20}},    {GgmlType::kQ5_0, {"Q5_0", 32, 22}},
      {GgmlType::kQ5_1, {"Q5_1", 32, 24}},    {GgmlType::kQ8_0, {"Q8_0", 32, 34}},
      {GgmlType::kQ8_1, {"Q8_1", 32, 36}},    {GgmlType::kQ2_K, {"Q2_K", 256, 84}},
      {GgmlType::kQ3_K, {"Q3_K", 256, 110}},  {GgmlType::kQ4_K, {"Q4_K", 256, 144}},
      {GgmlType::kQ5_K, {"Q5_K", 256, 176}},  {GgmlType::kQ6_K, {"Q6_K", 256, 210}},
      {GgmlType::kQ8_K, {"Q8_K", 256, 292}},  {GgmlType::kIQ4_NL, {"IQ4_NL", 32, 18}},
      {GgmlType::kIQ4_XS, {"IQ4_XS", 256, 136}},
  };
  for (const Entry& e : kTypes) {
    if (static_cast<uint32_t>(e.type) == type) return &e.traits;
  }
  return nullptr;
}

const GgufValue* GgufFile::Find(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

bool LooksLikeGguf(const MappedFile& file) {
  if (file.size() < 4) return false;
  const uint8_t* p = file.data();
  const uint32_t magic = static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
                         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
  return magic == kMagic;
}

GgufFile ReadGguf(std::shared_ptr<const MappedFile> file) {
  if (!file) Fail(Status::kInvalidArgument, "ReadGguf: null file");
  const std::string& path = file->path();
  if (!LooksLikeGguf(*file)) {
    FailFormat(path, "not a GGUF file (no \"GGUF\" magic in the first 4 bytes)");
  }
  Reader r(*file);
  r.U32("magic");
  GgufFile out;
  out.version = r.U32("version");
  if (out.version != 2 && out.version != 3) {
    // A big-endian file has its version byte-swapped; say so rather than print 50331648.
    const bool swapped = out.version == 0x02000000u || out.version == 0x03000000u;
    Fail(Status::kUnsupported,
         path + ": GGUF version " + std::to_string(out.version) +
             (swapped ? " (a big-endian file) is not supported" : " is not supported (only 2 and 3)"));
  }
  const uint64_t tensor_count = r.U64("tensor count");
  const uint64_t kv_count = r.U64("metadata count");
  CheckCount(r, kv_count, kMinKeyValueBytes, "metadata count");
  CheckCount(r, tensor_count, kMinTensorInfoBytes, "tensor count");
  {
    // Both together must fit, too.
    const uint64_t kv_bytes = kv_count * kMinKeyValueBytes;  // no overflow: checked above
    if (tensor_count > (r.remaining() - kv_bytes) / kMinTensorInfoBytes) {
      FailFormat(path, "tensor count " + std::to_string(tensor_count) + " and metadata count " +
                           std::to_string(kv_count) + " are more than the " +
                           std::to_string(r.remaining()) + " bytes left in the file could hold");
    }
  }
  ReadMetadata(r, kv_count, &out);
  out.alignment = static_cast<size_t>(Alignment(out, path));

  out.tensors.reserve(static_cast<size_t>(tensor_count));
  std::set<std::string> names;
  for (uint64_t k = 0; k < tensor_count; ++k) {
    GgufTensorInfo t = ReadTensorInfo(r, k);
    if (!names.insert(t.name).second) {
      FailFormat(path, "duplicate tensor '" + Shorten(t.name) + "'");
    }
    out.tensors.push_back(std::move(t));
  }
  // The data section starts at the next multiple of the alignment; with no tensors the file may
  // end before it, and nothing ever points there.
  const uint64_t pad = (out.alignment - r.pos() % out.alignment) % out.alignment;
  out.data_offset = static_cast<size_t>(r.pos() + pad);
  PlaceTensors(*file, &out);
  CheckNoOverlap(out, path);
  out.file = std::move(file);
  return out;
}

}  // namespace gemmakit
