// --image FILE and --audio FILE (repeatable) for `generate` and `logits`: the media, loaded through
// the C API, as content parts, and where they go in a prompt.
#pragma once

#include <string>
#include <vector>

#include "args.h"
#include "gemmakit.h"

namespace cli {

class CliMedia {
 public:
  CliMedia() = default;
  CliMedia(const CliMedia&) = delete;
  CliMedia& operator=(const CliMedia&) = delete;
  ~CliMedia();
  // Loads every --image and --audio file; on failure prints the library's error and returns false.
  bool Load(const Args& args);
  // Images first, then audio clips, each kind in the order given.
  const std::vector<gemmakit_content_part>& parts() const { return parts_; }
  bool empty() const { return parts_.empty(); }

 private:
  std::vector<gemmakit_image*> images_;
  std::vector<gemmakit_audio*> clips_;
  std::vector<gemmakit_content_part> parts_;
};

// The user turn's parts: the prompt split at each "<start_of_image>" / "<start_of_audio>", each
// marker taking the next item of its kind; the items of a kind the prompt has no marker for come
// first. `texts` holds the text the parts point into. False with `error` set when markers and
// items disagree.
bool UserTurnParts(const std::string& prompt, const CliMedia& media, std::vector<std::string>& texts,
                   std::vector<gemmakit_content_part>& parts, std::string& error);
// A raw prompt: the markers of kinds the prompt has none of are put first.
std::string RawPromptWithMedia(const std::string& prompt, const CliMedia& media);

}  // namespace cli
