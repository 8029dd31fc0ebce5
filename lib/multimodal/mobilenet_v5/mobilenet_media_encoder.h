// Gemma 3n's images as media: MobileNet-V5 through MobileNetEncoder, each image written as
// "\n\n<start_of_image>" + soft tokens + <end_of_image> (eoi_token_id, a vision-embedder hard id)
// + "\n\n" as Gemma3nProcessor writes it, attending causally (Gemma 3n has no bidirectional image
// attention).
#pragma once

#include <memory>

#include "multimodal/media_encoder.h"
#include "multimodal/mobilenet_v5/mobilenet_encoder.h"

namespace gemmakit {

// The encoder refers to `tower`, which must outlive it.
std::unique_ptr<MediaEncoder> MakeMobileNetMediaEncoder(const MobileNetEncoder& tower);

}  // namespace gemmakit
