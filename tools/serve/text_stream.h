// Turns one choice's generated ids into text that is safe to send: whole UTF-8 characters only
// (byte pieces are held until they form one), nothing that may still become a stop string,
// nothing from a stop string on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gemmakit.h"

namespace gemmakit_serve {

class TextStream {
 public:
  TextStream(const gemmakit_model* model, std::vector<std::string> stop) : model_(model), stop_(std::move(stop)) {}
  // Adds a generated id; returns the text that became final. Sets stopped once a stop string
  // appeared (the text before it is returned, the stop string and anything after are not).
  std::string Push(int32_t id, bool& stopped);
  // At the end of the generation: the text held back for a stop string that never came.
  std::string Flush();

 private:
  const gemmakit_model* model_;
  std::vector<std::string> stop_;
  std::vector<int32_t> ids_;
  size_t sent_ = 0;  // bytes of the decoded text already returned
  std::string text_;
};

// The bytes of ids decoded (throws ApiError on a library failure).
std::string Detokenize(const gemmakit_model* model, const int32_t* ids, size_t n);

}  // namespace gemmakit_serve
