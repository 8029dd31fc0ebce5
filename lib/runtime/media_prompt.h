// Text with media → token ids, as HuggingFace's Gemma 3 / Gemma 3n processors and tokenizer make
// them: each media encoder's marker in the text ("<start_of_image>", "<start_of_audio>": what the
// chat template renders for a media part) stands for the next item of that kind and becomes what
// the encoder writes for it (MediaEncoder::Write). The special tokens split the text, so each text
// run is tokenized alone.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "gemmakit/media.h"
#include "gemmakit/tokenizer.h"
#include "multimodal/media_encoder.h"

namespace gemmakit {

struct MediaSlot {
  size_t offset = 0;  // of the first soft token in ids
  Media item;         // what its soft tokens show: an item, or a part of one (a crop, a window)
  uint64_t key = 0;   // identifies the content (never 0)
  const MediaEncoder* encoder = nullptr;
};

struct MediaPrompt {
  std::vector<int32_t> ids;
  std::vector<MediaSlot> slots;  // in order
};

// encoder_for(kind): the model's encoder of that kind, or it throws (Error(kUnsupported): a model
// that reads no audio). Markers of kinds with no item stay text. Throws Error(kInvalidArgument)
// when the markers of a kind and its items differ in number.
using EncoderFor = std::function<const MediaEncoder&(MediaKind)>;
MediaPrompt TokenizeWithMedia(const Tokenizer& tok, std::string_view text, const std::vector<Media>& items,
                              bool parse_special, const EncoderFor& encoder_for);

// Token ids given directly (Session::Evaluate): each run of a kind's placeholder id is filled by
// the soft-token parts of that kind's items in order (an image and its pan-and-scan crops, the
// windows of a long clip). Throws Error(kInvalidArgument) when runs and parts disagree.
MediaPrompt SlotsFromIds(const std::vector<int32_t>& ids, const std::vector<Media>& items, const EncoderFor& encoder_for);

}  // namespace gemmakit
