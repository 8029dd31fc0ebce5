// The chat template of a HuggingFace checkpoint folder, looked for where transformers looks:
// chat_template.jinja, then chat_template.json ({"chat_template": ...}), then the "chat_template"
// of tokenizer_config.json (a string, or a list of {name, template} whose "default" is used).
#pragma once

#include <string>

namespace gemmakit {

struct HfChatTemplate {
  std::string text;    // empty when the folder has none
  std::string source;  // the file it came from
};

// Throws Error(kFormatError) when the file that holds it is not valid JSON or holds something
// other than a template where the template belongs, Error(kIoError) when unreadable.
HfChatTemplate ReadHfChatTemplate(const std::string& dir);

}  // namespace gemmakit
