// Finds caller-given stop strings in streamed text and holds back text that might be the start
// of one, so a stop string is never half-shown to the caller.
#pragma once

#include <string>
#include <vector>

namespace gemmakit {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  // Adds text. Returns the text that is now safe to show. Sets `stopped` when a stop string
  // appeared; the returned text then ends right before it.
  std::string Push(const std::string& text, bool& stopped);
  // Everything held back (at the end of generation without a stop).
  std::string Flush();

 private:
  std::vector<std::string> stops_;
  std::string held_;
};

}  // namespace gemmakit
