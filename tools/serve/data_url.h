// Images sent inline as data URLs ("data:image/png;base64,...").
#pragma once

#include <string>

#include "generation_request.h"

namespace gemmakit_serve {

// Decodes a data URL's image; throws ApiError (400) for another kind of URL, bad base64 or an
// image the library cannot decode.
ImagePtr DecodeImageDataUrl(const std::string& url);

}  // namespace gemmakit_serve
