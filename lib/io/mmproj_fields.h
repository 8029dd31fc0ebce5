// Reading an mmproj GGUF (llama.cpp's vision projector files): integer keys of any integer type,
// and tensor entries in PyTorch's axis order. Shared by the Gemma 3 (SigLIP) and Gemma 3n
// (MobileNet-V5) mappings; errors name the key or tensor and the file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "io/gguf.h"
#include "io/tensor_index.h"

namespace gemmakit {

// nullopt when absent; Error(kFormatError) when not an integer or out of range.
std::optional<int64_t> MmprojInt(const GgufFile& f, const std::string& key);
int64_t RequireMmprojInt(const GgufFile& f, const std::string& key);

// The tensor under `name`, shape outermost first. Error(kUnsupported) for a type the kernels do
// not read.
TensorEntry MmprojEntry(const GgufTensorInfo& t, const std::string& name, const std::string& path);

}  // namespace gemmakit
