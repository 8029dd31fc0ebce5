// Writes a loaded model (weights as loaded, so after any quantize-on-load) as a GGUF file that
// llama.cpp loads: its architecture names, metadata keys, tensor names, norms stored with the +1,
// the SentencePiece vocabulary, and the sampling the checkpoint recommends (general.sampling.*).
#pragma once

#include <string>

#include "gemmakit/model.h"

namespace gemmakit {

// Throws Error(kIoError) when the file cannot be written, Error(kUnsupported) for a model without
// a vocabulary.
void SaveGguf(const Model& model, const std::string& path);

}  // namespace gemmakit
