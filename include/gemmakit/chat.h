// Gemma's chat format, as the official template in tokenizer_config.json renders it:
//   <bos><start_of_turn>user\n{system}\n\n{user}<end_of_turn>\n<start_of_turn>model\n{reply}<end_of_turn>\n...
// Gemma has no system turn: a leading system message is folded into the first user turn, as the
// Gemma 3 template does. gemmakit applies the same rule to Gemma 1 and 2, whose own templates
// reject a system message, so one conversation works with every Gemma.
#pragma once

#include <string>
#include <vector>

namespace gemmakit {

struct ChatMessage {
  std::string role;     // "system" (first message only), "user", "assistant" or "model"
  std::string content;  // trimmed of surrounding whitespace when rendered, as the template does
};

// Throws Error(kInvalidArgument) unless the turns after an optional system message alternate
// user / model starting with user, or for an unknown role.
std::string FormatGemmaChat(const std::vector<ChatMessage>& messages, bool add_generation_prompt);

}  // namespace gemmakit
