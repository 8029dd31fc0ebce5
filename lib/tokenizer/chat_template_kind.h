// Whether a checkpoint's chat template (tokenizer_config.json, chat_template.jinja, GGUF
// tokenizer.chat_template) is one of the official Gemma templates, which FormatGemmaChat renders.
// gemmakit does not run Jinja: a template it does not recognise is reported, not guessed at.
#pragma once

#include <string>
#include <string_view>

namespace gemmakit {

enum class ChatTemplateKind {
  kNone,          // the checkpoint carries no template: gemmakit's Gemma format is used
  kGemma3,        // the official Gemma 3 template
  kGemma,         // the official Gemma 1 / Gemma 2 template
  kUnrecognized,  // anything else: chat refuses with kUnsupported
};

// "none", "gemma3", "gemma", "unrecognized".
const char* ChatTemplateKindName(ChatTemplateKind kind);

// Compares what decides the template's output, not its formatting: Jinja tags as token sequences
// (whitespace inside tags, quote style and escapes such as '\n' versus a raw newline do not
// matter) and the text between tags after Jinja's whitespace control, with HuggingFace's
// settings (trim_blocks, lstrip_blocks). Any other difference, one changed character in a
// string, makes a template unrecognised.
ChatTemplateKind ClassifyChatTemplate(std::string_view jinja);

}  // namespace gemmakit
