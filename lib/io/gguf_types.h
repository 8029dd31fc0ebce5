// The one mapping between gemmakit's element types and ggml's tensor type numbers, used by the
// GGUF reader (gguf_checkpoint.cc, vision_checkpoint.cc) and the writer (runtime/gguf_export.cc).
#pragma once

#include <string>

#include "io/gguf.h"
#include "kernels/dtype.h"

namespace gemmakit {

// The DType of a ggml tensor type the kernels read; false for any other.
bool GgmlToDType(GgmlType t, DType* out);
// The ggml tensor type that stores `t` (every DType has one, with the same block layout).
GgmlType DTypeToGgml(DType t);
// "F32, F16, BF16, Q8_0, ...": the ggml types GgmlToDType accepts, for error messages.
std::string RunnableGgmlTypeNames();

}  // namespace gemmakit
