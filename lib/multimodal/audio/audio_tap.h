// The debug callback of Gemma 3n's audio tower: called with each named intermediate when set.
#pragma once

#include <cstddef>
#include <functional>

namespace gemmakit {

// name: the stage ("subsample", "ffw_start", "attention", ...); layer: the conformer block, or -1
// outside the blocks; data: [rows, cols] row-major, valid only during the call.
using AudioTap = std::function<void(const char* name, int layer, const float* data, size_t rows, size_t cols)>;

}  // namespace gemmakit
