// Writes a safetensors file tensor by tensor, streaming the data so multi-gigabyte checkpoints
// never sit in memory at once.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernels/dtype.h"

namespace gemmakit {

struct SafetensorsSpec {
  std::string name;
  DType dtype = DType::kBF16;  // F32, F16 or BF16
  std::vector<int64_t> shape;
  // Fills `out` (exactly the tensor's byte size) with the tensor's bytes.
  std::function<void(uint8_t* out, size_t nbytes)> fill;
};

// Throws Error(kIoError) when the file cannot be written, Error(kInvalidArgument) for a
// block-quantized dtype (safetensors has none).
void WriteSafetensors(const std::string& path, const std::vector<SafetensorsSpec>& tensors);

}  // namespace gemmakit
