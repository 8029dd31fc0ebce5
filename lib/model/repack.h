// Repacking at load: matrices whose kernels read a panel layout (Q8_0 / Q4_0 on AVX-512; Q8_0,
// Q4_0 and Q5_0 on the AVX2 tier) are rewritten into it (kernels/matmul/panels.h), once, instead of
// on every prompt and token. The original bytes are then released: requantized copies are freed,
// and mapped file pages dropped from memory (they are read back only for embedding lookups and GGUF
// export). Dense matrices (BF16, F16, F32) that the kernels read in place are moved out of the
// file mapping into 2 MB pages: a mapped file sits in 4 KB pages, whose TLB misses and prefetch
// restarts at every page cost decode, which streams every matrix per token (Gemma 3 1B BF16 on a
// Zen 4, AVX2 tier, 2 threads: about 14.0 -> 14.8-15.6 tokens/s).
#pragma once

#include "kernels/parallel.h"
#include "model/weights.h"

namespace gemmakit {

// Repacks every matrix whose type has panel kernels on this CPU, and moves mapped dense ones. With
// bf16_products (Precision::kFast), BF16 matrices too, when the CPU has bf16 dot products: every
// product with them then rounds its inputs to bf16.
void RepackWeights(ModelWeights& weights, Executor* ex, bool bf16_products = false);

}  // namespace gemmakit
