// Writes GGUF version 3 files as llama.cpp does: metadata, tensor infos, then tensor data, each
// tensor aligned to 32 bytes. Tensor data is produced by a callback at write time, so a model is
// converted one tensor at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/gguf.h"

namespace gemmakit {

class GgufWriter {
 public:
  void SetString(const std::string& key, const std::string& value);
  void SetUint32(const std::string& key, uint32_t value);
  void SetInt32(const std::string& key, int32_t value);
  void SetFloat32(const std::string& key, float value);
  void SetBool(const std::string& key, bool value);
  void SetStringArray(const std::string& key, const std::vector<std::string>& values);
  void SetFloat32Array(const std::string& key, const std::vector<float>& values);
  void SetInt32Array(const std::string& key, const std::vector<int32_t>& values);
  void SetUint32Array(const std::string& key, const std::vector<uint32_t>& values);
  void SetBoolArray(const std::string& key, const std::vector<int32_t>& values);  // non-zero: true

  // dims in ggml order (dims[0] innermost). fill writes exactly the tensor's byte size.
  void AddTensor(const std::string& name, GgmlType type, std::vector<uint64_t> dims,
                 std::function<void(uint8_t* out, size_t nbytes)> fill);

  // Throws Error(kIoError) when the file cannot be written.
  void Write(const std::string& path) const;

 private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<uint64_t> dims;
    size_t nbytes;
    std::function<void(uint8_t*, size_t)> fill;
  };
  std::string kv_;  // encoded key/value pairs
  uint64_t n_kv_ = 0;
  std::vector<Tensor> tensors_;
};

}  // namespace gemmakit
