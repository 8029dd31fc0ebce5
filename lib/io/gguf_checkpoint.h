// A GGUF file as llama.cpp writes Gemma models (architectures gemma, gemma2, gemma3) → the
// format-neutral Checkpoint: its metadata keys as HParams, its tensor names as HuggingFace's, its
// embedded vocabulary as a SentencePiece model.
#pragma once

#include <string>

#include "io/checkpoint.h"
#include "io/gguf.h"
#include "io/gguf_types.h"

namespace gemmakit {

// Throws Error(kUnsupported) for another architecture or a tensor type the kernels do not read,
// Error(kFormatError) for missing or mistyped keys.
Checkpoint CheckpointFromGguf(const std::string& path, const GgufFile& file);

}  // namespace gemmakit
