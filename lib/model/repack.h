// Repacking at load: Q8_0 / Q4_0 matrices are rewritten into the panel layout the CPU's fastest
// kernels read (kernels/matmul/panels.h), once, instead of on every prompt. The original bytes are
// then released: requantized copies are freed, and mapped file pages dropped from memory (they are
// read back only for embedding lookups and GGUF export).
#pragma once

#include "kernels/parallel.h"
#include "model/weights.h"

namespace gemmakit {

// Repacks every matrix whose type has panel kernels on this CPU; a no-op elsewhere.
void RepackWeights(ModelWeights& weights, Executor* ex);

}  // namespace gemmakit
