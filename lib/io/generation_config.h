// A HuggingFace folder's generation_config.json, read as transformers' GenerationConfig reads it
// (checked against generation/configuration_utils.py): `do_sample` false or absent means greedy
// whatever the other fields say; with sampling on, a field the file leaves out takes
// GenerationConfig's default (temperature 1.0, top_k 50, top_p 1.0, no min_p, repetition_penalty
// 1.0), and a field written as null is off, as transformers skips a step whose value is None.
// The repetition penalty applies in both modes and, as in transformers, to the whole sequence.
// A folder without the file recommends nothing: gemmakit's defaults stay (Google's recommended
// Gemma settings), where transformers would fall back to greedy.
#pragma once

#include <string>

#include "io/sampling_hparams.h"

namespace gemmakit {

// The text of a generation_config.json. Never throws: what cannot be read goes to `ignored`.
SamplingHParams ParseGenerationConfig(const std::string& text);
// dir/generation_config.json when the folder has one; an empty recommendation otherwise.
SamplingHParams ReadGenerationConfig(const std::string& dir);

}  // namespace gemmakit
