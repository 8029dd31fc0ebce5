#include "io/checkpoint.h"

#include "gemmakit/status.h"
#include "io/generation_config.h"
#include "io/gguf.h"
#include "io/gguf_checkpoint.h"
#include "io/hf_checkpoint.h"
#include "io/hf_config.h"
#include "io/sentence_transformers.h"

namespace gemmakit {
namespace {

// Where the text model's tensors live in the checkpoint layouts transformers writes: text-only
// models (`*ForCausalLM`), Gemma 3 multimodal as first released and as newer transformers save
// it, and base models saved without their head (`Gemma3TextModel`, EmbeddingGemma: no prefix).
constexpr PrefixRule kHfPrefixes[] = {
    {"model.language_model.", ""},
    {"language_model.model.", ""},
    {"language_model.lm_head.", "lm_head."},
    {"model.", ""},
    {"lm_head.", "lm_head."},
    {"embed_tokens.", "embed_tokens."},
    {"layers.", "layers."},
    {"norm.", "norm."},
};

// Tensors of other towers (vision, audio, projectors) are not the text model's: left out here.
std::shared_ptr<const TensorIndex> CanonicalHfNames(const TensorIndex& stored) {
  return RenameByPrefix(stored, kHfPrefixes, sizeof kHfPrefixes / sizeof *kHfPrefixes);
}

}  // namespace

Checkpoint OpenCheckpoint(const std::string& path) {
  if (path.empty()) Fail(Status::kInvalidArgument, "no model path given");
  if (!IsDirectory(path)) {
    if (!FileExists(path)) Fail(Status::kIoError, "model path does not exist: " + path);
    auto file = MappedFile::Open(path);
    if (!LooksLikeGguf(*file)) {
      Fail(Status::kUnsupported, "cannot read " + path + ": not a GGUF file; point at a GGUF file or a HuggingFace folder");
    }
    return CheckpointFromGguf(path, ReadGguf(file));
  }
  HfCheckpoint hf = OpenHfCheckpoint(path);
  Checkpoint ck;
  ck.path = path;
  ck.format = "huggingface";
  ck.hparams = ParseHfConfig(hf.config_json);
  ck.tensors = CanonicalHfNames(hf.tensors);
  ck.tokenizer_model_path = hf.tokenizer_model_path;
  ck.tokenizer_json_path = hf.tokenizer_json_path;
  ck.chat_template = std::move(hf.chat_template);
  ck.chat_template_source = std::move(hf.chat_template_source);
  ck.vision = OpenHfVision(hf);
  ck.audio = OpenHfAudio(hf);
  ck.embedding = OpenSentenceTransformers(path);
  ck.sampling = ReadGenerationConfig(path);
  return ck;
}

}  // namespace gemmakit
