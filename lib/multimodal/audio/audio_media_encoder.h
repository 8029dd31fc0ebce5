// Gemma 3n's audio as media: a clip becomes log-mel features (LogMelExtractor), then soft tokens
// (AudioEncoder), written as "\n\n<start_of_audio>" + soft tokens + "<end_of_audio>\n\n" as
// Gemma3nProcessor writes it, attending causally. A clip longer than one window (30 s, or fewer
// seconds when tokens_per_clip cannot hold 30 s) is split into consecutive windows, each written
// as its own audio sequence; the extractor itself would cut it at 30 s.
#pragma once

#include <memory>

#include "multimodal/audio/audio_encoder.h"
#include "multimodal/media_encoder.h"

namespace gemmakit {

// The encoder refers to `audio`, which must outlive it.
std::unique_ptr<MediaEncoder> MakeAudioMediaEncoder(const AudioEncoder& audio);

// Samples of one window: the most a clip may have to be encoded whole.
size_t AudioWindowSamples(const AudioEncoder& audio);

}  // namespace gemmakit
