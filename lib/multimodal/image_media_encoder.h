// Gemma 3's images as media: SigLIP through VisionModel, each image (and each pan-and-scan crop)
// written as "\n\n<start_of_image>" + soft tokens + "<end_of_image>\n\n", its soft tokens seeing
// each other both ways.
#pragma once

#include <memory>

#include "gemmakit/image.h"
#include "multimodal/media_encoder.h"
#include "multimodal/vision_model.h"

namespace gemmakit {

// The encoder refers to `vision`, which must outlive it. pan_and_scan: write an image's crops
// too (the processor's do_pan_and_scan).
std::unique_ptr<MediaEncoder> MakeImageMediaEncoder(const VisionModel& vision, bool pan_and_scan);

// A key for an image's pixels (FNV-1a over its size and bytes), never 0.
uint64_t ImageKey(const RgbImage& image, uint64_t salt);

}  // namespace gemmakit
