// How one attention head's key or value vector is stored in a KV cache, per element type, and
// how attention reads it back: rows are encoded when written and decoded one head at a time while
// scores are accumulated, so no wider float copy of the cache ever exists.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dtype.h"

namespace gemmakit {

// Elements per 8-bit block. A head whose size is not a multiple of it ends in a shorter block
// (head_dim 16 models exist), so a head never shares a scale with its neighbour.
constexpr size_t kKvQ8Block = 32;

// True for the types a KV cache can hold: kF32, kBF16, kF16, kQ8_0.
bool IsKvType(DType t);
// Bytes one head of head_dim elements occupies. kQ8_0: an f16 scale per block, then one int8
// per element (round(x / scale), scale = max|x| / 127, as ggml's Q8_0).
size_t KvHeadBytes(DType t, size_t head_dim);
void KvEncodeHead(DType t, const float* src, size_t head_dim, uint8_t* dst);
// Returns the head as floats: `src` itself for kF32 (no copy), else `scratch` filled with it.
const float* KvDecodeHead(DType t, const uint8_t* src, size_t head_dim, float* scratch);

}  // namespace gemmakit
