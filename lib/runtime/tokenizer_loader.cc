#include "runtime/tokenizer_loader.h"

namespace gemmakit {

CheckpointTokenizer LoadCheckpointTokenizer(const Checkpoint& ck) {
  CheckpointTokenizer out;
  if (!ck.tokenizer_proto.empty()) {
    out.tokenizer = Tokenizer::FromSerializedProto(ck.tokenizer_proto);
    out.source = ck.format;
  } else if (!ck.tokenizer_json_path.empty()) {
    out.tokenizer = Tokenizer::FromTokenizerJson(ck.tokenizer_json_path);
    out.source = "tokenizer.json";
  } else if (!ck.tokenizer_model_path.empty()) {
    out.tokenizer = Tokenizer::FromFile(ck.tokenizer_model_path);
    out.source = "tokenizer.model";
  }
  if (!ck.chat_template.empty()) {
    out.chat_template = ClassifyChatTemplate(ck.chat_template);
    out.chat_template_source = !ck.chat_template_source.empty() ? ck.chat_template_source
                               : ck.format == "gguf"             ? "tokenizer.chat_template (GGUF)"
                                                                 : "the checkpoint";
  }
  return out;
}

}  // namespace gemmakit
