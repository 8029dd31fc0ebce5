// A piece of media a prompt carries in place of text: an image or an audio clip. Chat parts,
// Session::Generate / Evaluate and the C API's content parts all hand media to the model in this
// one form; each kind reaches the text model through its own encoder (SigLIP or MobileNet-V5 for
// images, the USM conformer for audio).
#pragma once

#include <cstdint>
#include <memory>

#include "gemmakit/audio.h"
#include "gemmakit/image.h"

namespace gemmakit {

enum class MediaKind : int32_t { kImage = 0, kAudio = 1 };

struct Media {
  MediaKind kind = MediaKind::kImage;
  std::shared_ptr<const RgbImage> image;  // kImage
  std::shared_ptr<const AudioClip> audio;  // kAudio

  static Media Image(std::shared_ptr<const RgbImage> image) { return {MediaKind::kImage, std::move(image), nullptr}; }
  static Media Image(RgbImage image) { return Image(std::make_shared<const RgbImage>(std::move(image))); }
  static Media Audio(std::shared_ptr<const AudioClip> clip) { return {MediaKind::kAudio, nullptr, std::move(clip)}; }
  static Media Audio(AudioClip clip) { return Audio(std::make_shared<const AudioClip>(std::move(clip))); }
};

// What a kind of media is called in messages ("image", "audio").
const char* MediaKindName(MediaKind kind);

}  // namespace gemmakit
