// Pillow's Image.resize(size, Image.BILINEAR) for 8-bit RGB images, bit for bit: a separable
// triangle filter whose support widens with the scale when shrinking (antialiasing), coefficients
// normalised per output pixel and held in 22-bit fixed point, a horizontal pass rounded to 8 bits
// and then a vertical pass (Pillow's libImaging/Resample.c).
#pragma once

#include <cstdint>

#include "gemmakit/image.h"

namespace gemmakit {

// Returns a copy when the size is unchanged, as Pillow does.
RgbImage ResizeBilinearPil(const RgbImage& in, int32_t width, int32_t height);

}  // namespace gemmakit
