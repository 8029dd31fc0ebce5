// MatFormer slicing at load time: Gemma 3n's E4B nests E2B and every size between (Devvrit et al.,
// "MatFormer", 2023). A slice keeps some layers and, in each kept layer, a prefix of the
// feed-forward's hidden units; Google publishes the slices it evaluated (gemma3n slicing configs:
// "Layers Skipped" and "FFN Hidden Dims"). Applied to the format-neutral checkpoint before the model
// is built, nothing is written to disk: the kept layers' tensors are renumbered, gate/up keep
// their first rows in place, down keeps its first columns (a copy), and the per-layer input tables
// stay whole (each kept layer reads its original slot).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/checkpoint.h"

namespace gemmakit {

struct MatFormerSlice {
  std::vector<int64_t> layers_skipped;   // indices of the stored layers to drop
  std::vector<int64_t> ffn_hidden_dims;  // one per kept layer (or one per stored layer)
};

// {"layers_skipped": [20, 21, ...], "ffn_hidden_dims": [8192, ...]} (Google's column names; a
// "layers_kept" list may stand in for layers_skipped). Throws Error(kFormatError) naming the field.
MatFormerSlice ParseMatFormerSlice(const std::string& json_text);

// Rewrites ck (a Gemma 3n checkpoint) as the slice. Throws Error(kInvalidArgument) naming the field
// for layers the checkpoint does not have, widths wider than stored or not whole blocks of the
// stored type, and Error(kUnsupported) for another architecture.
void ApplyMatFormerSlice(const MatFormerSlice& slice, Checkpoint& ck);

}  // namespace gemmakit
