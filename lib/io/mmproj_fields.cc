#include "io/mmproj_fields.h"

#include "gemmakit/status.h"
#include "io/gguf_types.h"

namespace gemmakit {

std::optional<int64_t> MmprojInt(const GgufFile& f, const std::string& key) {
  const GgufValue* v = f.Find(key);
  if (!v) return std::nullopt;
  switch (v->type) {
    case GgufType::kUint8: case GgufType::kUint16: case GgufType::kUint32: case GgufType::kUint64:
      if (v->u > (1u << 30)) Fail(Status::kFormatError, "mmproj GGUF key " + key + " is out of range");
      return static_cast<int64_t>(v->u);
    case GgufType::kInt8: case GgufType::kInt16: case GgufType::kInt32: case GgufType::kInt64:
      return v->i;
    default:
      Fail(Status::kFormatError, "mmproj GGUF key " + key + " should be an integer");
  }
}

int64_t RequireMmprojInt(const GgufFile& f, const std::string& key) {
  const std::optional<int64_t> v = MmprojInt(f, key);
  if (!v) Fail(Status::kFormatError, "mmproj GGUF has no " + key);
  return *v;
}

TensorEntry MmprojEntry(const GgufTensorInfo& t, const std::string& name, const std::string& path) {
  TensorEntry e;
  if (!GgmlToDType(t.type, &e.dtype)) {
    Fail(Status::kUnsupported, path + ": tensor '" + t.name + "' has a type gemmakit does not run");
  }
  for (auto it = t.dims.rbegin(); it != t.dims.rend(); ++it) e.shape.push_back(static_cast<int64_t>(*it));
  e.name = name;
  e.data = t.data;
  e.nbytes = t.nbytes;
  return e;
}

}  // namespace gemmakit
