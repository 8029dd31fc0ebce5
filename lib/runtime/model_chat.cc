// Model::ApplyChatTemplate: gemmakit's Gemma chat format, refused for checkpoints whose own
// template is something else (see runtime/tokenizer_loader.h).
#include "gemmakit/model.h"
#include "gemmakit/status.h"
#include "runtime/model_impl.h"

namespace gemmakit {

std::string Model::ApplyChatTemplate(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const {
  if (impl_->chat_template == ChatTemplateKind::kUnrecognized) {
    Fail(Status::kUnsupported,
         "chat: the chat template in " + impl_->chat_template_source +
             " is not an official Gemma template, and gemmakit does not run Jinja templates; format the "
             "prompt yourself and generate from raw text");
  }
  return FormatGemmaChat(messages, add_generation_prompt);
}

}  // namespace gemmakit
