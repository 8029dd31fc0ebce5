// Repacking at load: matrices whose kernels read a panel layout (Q8_0 / Q4_0 on AVX-512; Q8_0,
// Q4_0 and Q5_0 on the AVX2 tier) are rewritten into it (kernels/matmul/panels.h), once, instead of
// on every prompt and token. The original bytes are then released: requantized copies are freed,
// and mapped file pages dropped from memory (they are read back only for embedding lookups and GGUF
// export).
#pragma once

#include "kernels/parallel.h"
#include "model/weights.h"

namespace gemmakit {

// Repacks every matrix whose type has panel kernels on this CPU; a no-op elsewhere. With
// bf16_products (Precision::kFast), BF16 matrices too, when the CPU has bf16 dot products: every
// product with them then rounds its inputs to bf16.
void RepackWeights(ModelWeights& weights, Executor* ex, bool bf16_products = false);

}  // namespace gemmakit
