// The safetensors format: an 8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and [begin, end) byte offsets into the data that follows.
#pragma once

#include <memory>

#include "io/mapped_file.h"
#include "io/tensor_index.h"

namespace gemmakit {

// Adds every tensor of `file` to `index` (pointing into the map, no copy) and keeps the file alive.
// Accepts F32, F16, BF16. Every offset, shape and size is checked against the file before anything
// points into it: a truncated file, a header whose offsets or shapes lie, overlapping or
// out-of-bounds data all throw Error(kFormatError) with the file and tensor named; another dtype
// throws Error(kUnsupported).
void ReadSafetensors(std::shared_ptr<const MappedFile> file, TensorIndex* index);

}  // namespace gemmakit
