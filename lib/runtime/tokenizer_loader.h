// Which vocabulary and chat format a checkpoint gives the model.
//
// A folder with both tokenizer.json and tokenizer.model uses tokenizer.json: it is the file
// HuggingFace transformers itself tokenizes with (its fast tokenizer), so gemmakit's ids are
// HuggingFace's by construction (proven against an independent implementation in tests/tokenizer);
// and it carries the added tokens of the published model, which tokenizer.model can lack (Gemma
// 3's <image_soft_token>, id 262144; tokens a fine-tune added). tokenizer.model is used when it
// is the only file. A GGUF file's embedded vocabulary is used as it is.
//
// The chat template is classified (tokenizer/chat_template_kind.h), never run: an official Gemma
// template, or none, means FormatGemmaChat; anything else makes Model::ApplyChatTemplate (and
// so chat) fail with kUnsupported, while the model still loads for raw generation.
#pragma once

#include <memory>
#include <string>

#include "gemmakit/tokenizer.h"
#include "io/checkpoint.h"
#include "tokenizer/chat_template_kind.h"

namespace gemmakit {

struct CheckpointTokenizer {
  std::unique_ptr<Tokenizer> tokenizer;  // null when the checkpoint has no vocabulary
  std::string source;                    // "tokenizer.json", "tokenizer.model", "gguf" or ""
  ChatTemplateKind chat_template = ChatTemplateKind::kNone;
  std::string chat_template_source;  // the file (or GGUF key) the template came from
};

// Throws what the tokenizer loaders throw, with the file named.
CheckpointTokenizer LoadCheckpointTokenizer(const Checkpoint& ck);

}  // namespace gemmakit
