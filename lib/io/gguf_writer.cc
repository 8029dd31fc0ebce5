#include "io/gguf_writer.h"

#include <cstdio>
#include <cstring>
#include <memory>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

constexpr size_t kAlignment = 32;

template <typename T>
void Put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));  // GGUF is little-endian, as every target of this library
  out.append(b, sizeof(T));
}
void PutString(std::string& out, const std::string& s) {
  Put<uint64_t>(out, s.size());
  out += s;
}
void PutKey(std::string& out, const std::string& key, GgufType type) {
  PutString(out, key);
  Put<uint32_t>(out, static_cast<uint32_t>(type));
}
size_t AlignUp(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

}  // namespace

void GgufWriter::SetString(const std::string& key, const std::string& value) {
  PutKey(kv_, key, GgufType::kString);
  PutString(kv_, value);
  ++n_kv_;
}
void GgufWriter::SetUint32(const std::string& key, uint32_t value) {
  PutKey(kv_, key, GgufType::kUint32);
  Put(kv_, value);
  ++n_kv_;
}
void GgufWriter::SetInt32(const std::string& key, int32_t value) {
  PutKey(kv_, key, GgufType::kInt32);
  Put(kv_, value);
  ++n_kv_;
}
void GgufWriter::SetFloat32(const std::string& key, float value) {
  PutKey(kv_, key, GgufType::kFloat32);
  Put(kv_, value);
  ++n_kv_;
}
void GgufWriter::SetBool(const std::string& key, bool value) {
  PutKey(kv_, key, GgufType::kBool);
  Put<uint8_t>(kv_, value ? 1 : 0);
  ++n_kv_;
}
void GgufWriter::SetStringArray(const std::string& key, const std::vector<std::string>& values) {
  PutKey(kv_, key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kString));
  Put<uint64_t>(kv_, values.size());
  for (const auto& v : values) PutString(kv_, v);
  ++n_kv_;
}
void GgufWriter::SetFloat32Array(const std::string& key, const std::vector<float>& values) {
  PutKey(kv_, key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kFloat32));
  Put<uint64_t>(kv_, values.size());
  for (float v : values) Put(kv_, v);
  ++n_kv_;
}
void GgufWriter::SetInt32Array(const std::string& key, const std::vector<int32_t>& values) {
  PutKey(kv_, key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kInt32));
  Put<uint64_t>(kv_, values.size());
  for (int32_t v : values) Put(kv_, v);
  ++n_kv_;
}

void GgufWriter::SetUint32Array(const std::string& key, const std::vector<uint32_t>& values) {
  PutKey(kv_, key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kUint32));
  Put<uint64_t>(kv_, values.size());
  for (uint32_t v : values) Put(kv_, v);
  ++n_kv_;
}

void GgufWriter::SetBoolArray(const std::string& key, const std::vector<int32_t>& values) {
  PutKey(kv_, key, GgufType::kArray);
  Put<uint32_t>(kv_, static_cast<uint32_t>(GgufType::kBool));
  Put<uint64_t>(kv_, values.size());
  for (int32_t v : values) Put<uint8_t>(kv_, v != 0 ? 1 : 0);
  ++n_kv_;
}

void GgufWriter::AddTensor(const std::string& name, GgmlType type, std::vector<uint64_t> dims,
                           std::function<void(uint8_t*, size_t)> fill) {
  const GgmlTypeTraits* tr = FindGgmlType(static_cast<uint32_t>(type));
  if (!tr || dims.empty() || dims[0] % tr->block_elems != 0) {
    Fail(Status::kInvalidArgument, "GGUF writer: tensor '" + name + "' has a shape its type cannot hold");
  }
  size_t n = dims[0] / tr->block_elems * tr->block_bytes;
  for (size_t i = 1; i < dims.size(); ++i) n *= dims[i];
  tensors_.push_back({name, type, std::move(dims), n, std::move(fill)});
}

void GgufWriter::Write(const std::string& path) const {
  std::string head;
  Put<uint32_t>(head, 0x46554747u);  // "GGUF"
  Put<uint32_t>(head, 3);
  Put<uint64_t>(head, tensors_.size());
  Put<uint64_t>(head, n_kv_);
  head += kv_;
  size_t offset = 0;
  for (const Tensor& t : tensors_) {
    PutString(head, t.name);
    Put<uint32_t>(head, static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) Put<uint64_t>(head, d);
    Put<uint32_t>(head, static_cast<uint32_t>(t.type));
    Put<uint64_t>(head, offset);
    offset = AlignUp(offset + t.nbytes);
  }
  head.resize(AlignUp(head.size()), '\0');
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) Fail(Status::kIoError, "cannot create " + path);
  bool ok = std::fwrite(head.data(), 1, head.size(), f.get()) == head.size();
  std::vector<uint8_t> buf;
  for (size_t i = 0; ok && i < tensors_.size(); ++i) {
    const Tensor& t = tensors_[i];
    buf.assign(AlignUp(t.nbytes), 0);
    t.fill(buf.data(), t.nbytes);
    // The last tensor is not padded, as llama.cpp's writer leaves it.
    const size_t n = i + 1 == tensors_.size() ? t.nbytes : buf.size();
    ok = std::fwrite(buf.data(), 1, n, f.get()) == n;
  }
  if (!ok || std::fflush(f.get()) != 0) Fail(Status::kIoError, "cannot write " + path);
}

}  // namespace gemmakit
