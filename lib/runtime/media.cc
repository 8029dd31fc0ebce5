#include "gemmakit/media.h"

#include "gemmakit/chat.h"
#include "gemmakit/status.h"

namespace gemmakit {

const char* MediaKindName(MediaKind kind) { return kind == MediaKind::kAudio ? "audio" : "image"; }

Media ChatPart::media() const {
  if (type == Type::kImage) {
    if (!image) Fail(Status::kInvalidArgument, "chat: an image part carries no image");
    return Media::Image(image);
  }
  if (type == Type::kAudio) {
    if (!audio) Fail(Status::kInvalidArgument, "chat: an audio part carries no audio clip");
    return Media::Audio(audio);
  }
  Fail(Status::kInvalidArgument, "chat: a text part is not media");
}

}  // namespace gemmakit
