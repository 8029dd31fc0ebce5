#include "multimodal/tower_binder.h"

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

std::string Shape(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

const TensorEntry& TowerBinder::Get(const std::string& name, const std::vector<int64_t>& shape) {
  const TensorEntry* e = tensors_.Find(name);
  if (!e) Fail(Status::kFormatError, "checkpoint has no " + tower_ + " tensor '" + name + "'");
  if (e->shape != shape) {
    Fail(Status::kFormatError, tower_ + " tensor '" + name + "' has shape " + Shape(e->shape) + " but the config implies " +
                                   Shape(shape));
  }
  if (reinterpret_cast<uintptr_t>(e->data) % (e->dtype == DType::kF32 ? 4 : 2) != 0) {
    Fail(Status::kUnsupported, tower_ + " tensor '" + name + "' is misaligned in its file");
  }
  n_params_ += static_cast<size_t>(e->numel());
  return *e;
}

MatrixView TowerBinder::Matrix(const std::string& name, const std::vector<int64_t>& shape, int64_t rows, int64_t cols) {
  const TensorEntry& e = Get(name, shape);
  if (static_cast<size_t>(cols) % DTypeBlockElems(e.dtype) != 0) {
    Fail(Status::kFormatError, tower_ + " tensor '" + name + "' is not a whole number of " + DTypeName(e.dtype) + " blocks per row");
  }
  return MatrixView{e.dtype, e.data, static_cast<size_t>(rows), static_cast<size_t>(cols)};
}

std::vector<float> TowerBinder::Vector(const std::string& name, const std::vector<int64_t>& shape) {
  const TensorEntry& e = Get(name, shape);
  std::vector<float> v(static_cast<size_t>(e.numel()));
  if (IsQuantized(e.dtype) && v.size() % DTypeBlockElems(e.dtype) != 0) {
    Fail(Status::kFormatError, tower_ + " tensor '" + name + "' is not a whole number of blocks");
  }
  ConvertToF32(e.dtype, e.data, v.data(), v.size());
  return v;
}

}  // namespace gemmakit
