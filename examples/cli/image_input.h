// --image FILE (repeatable) for `generate` and `logits`: the images, loaded through the C API,
// and where they go in a prompt.
#pragma once

#include <string>
#include <vector>

#include "gemmakit.h"

namespace cli {

class CliImages {
 public:
  CliImages() = default;
  CliImages(const CliImages&) = delete;
  CliImages& operator=(const CliImages&) = delete;
  ~CliImages();
  // Loads every file; on failure prints the library's error and returns false.
  bool Load(const std::vector<std::string>& paths);
  const gemmakit_image* const* data() const { return images_.data(); }
  size_t size() const { return images_.size(); }

 private:
  std::vector<const gemmakit_image*> images_;
};

// The user turn's parts: the prompt split at each "<start_of_image>", one image per marker; with no
// marker the images come first. False with `error` set when markers and images disagree.
bool UserTurnParts(const std::string& prompt, const CliImages& images, std::vector<std::string>& texts,
                   std::vector<gemmakit_chat_part>& parts, std::string& error);
// A raw prompt: markers put first when the prompt has none.
std::string RawPromptWithImages(const std::string& prompt, size_t n_images);

}  // namespace cli
