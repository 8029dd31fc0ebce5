// llama.cpp's general.sampling.* keys: its converter copies them from generation_config.json
// (gguf-py metadata.py) and llama-cli / llama-server take them as sampling defaults
// (common_init_sampler_from_model). One table serves the reader and the exporter; only the keys
// of steps gemmakit's sampler has are read or written (not the sampler sequence, XTC, Mirostat).
#pragma once

#include "io/gguf.h"
#include "io/gguf_writer.h"
#include "io/sampling_hparams.h"

namespace gemmakit {

// Never throws: a key of the wrong type or out of range goes to `ignored`.
SamplingHParams ReadGgufSampling(const GgufFile& file);
// Writes the fields that are set, with the types llama.cpp's writer gives them (int32, float32).
void WriteGgufSampling(const SamplingHParams& s, GgufWriter& w);

}  // namespace gemmakit
