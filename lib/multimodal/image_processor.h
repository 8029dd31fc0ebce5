// HuggingFace's Gemma3ImageProcessor: optional pan-and-scan crops, PIL bilinear resize to the
// tower's size, x * rescale_factor, (x - mean) / std, channels first. Float math follows numpy's:
// the rescale in float64 cast to float32, the normalisation in float32.
#pragma once

#include <vector>

#include "gemmakit/image.h"
#include "io/vision_hparams.h"

namespace gemmakit {

// The crops pan-and-scan adds after the whole image (none when the image is not elongated
// enough or the crops would be too small), in row-major order.
std::vector<RgbImage> PanAndScanCrops(const RgbImage& image, const ImageProcessorConfig& config);

// [3][height][width] float32 pixel values for the vision tower.
std::vector<float> PreprocessImage(const RgbImage& image, const ImageProcessorConfig& config, int32_t height,
                                   int32_t width);

}  // namespace gemmakit
