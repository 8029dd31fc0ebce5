// A loaded model: immutable weights (memory-mapped), configuration and tokenizer. One Model is
// shared, read-only, by any number of sessions on any threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gemmakit/chat.h"
#include "gemmakit/sampling.h"
#include "gemmakit/tokenizer.h"

namespace gemmakit {

struct ModelInfo {
  std::string architecture;  // "gemma", "gemma2", "gemma3", "gemma3n"
  std::string format;        // "huggingface"
  std::string weight_type;   // of the largest matrices: "BF16", "F16", "F32"
  int64_t vocab_size = 0;
  int64_t context_length = 0;
  int64_t n_layers = 0;
  int64_t n_sliding_layers = 0;
  int64_t sliding_window = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t n_params = 0;
  int64_t weight_bytes = 0;  // bytes of weight matrices read by one decode step (layers + output)
  int64_t lookup_bytes = 0;  // tables read a row per token, kept mapped (Gemma 3n's per-layer embeddings)
  // The vocabulary's file: "tokenizer.json" (preferred when a folder has both), "tokenizer.model",
  // "gguf", or "" without one.
  std::string tokenizer_source;
  // The checkpoint's chat template: "gemma3" / "gemma" (the official Gemma 3 / Gemma 1-2
  // templates), "none" (gemmakit's Gemma format is used), or "unrecognized" (chat refuses).
  std::string chat_template;
  // Multimodal Gemma 3: the vision tower's input side and the soft tokens each image becomes
  // (0 for a text-only model), and the placeholder id soft tokens take in token lists.
  int64_t image_size = 0;
  int64_t image_tokens = 0;
  int32_t image_token_id = -1;
  // Gemma 3n with its audio tower: soft tokens per clip (or per window of a longer clip), the
  // placeholder id they take in token lists, and the seconds one window holds.
  int64_t audio_tokens = 0;
  int32_t audio_token_id = -1;
  double audio_window_seconds = 0;
  // Every hyper-parameter as resolved from the checkpoint, in order: its name (config.json's
  // spelling; "rope.full_attention.theta" and the like for rotary embeddings), its value, and
  // whether the checkpoint left it out so that the family's transformers config class (named by
  // the first entry, "config_class") supplied it.
  struct ResolvedField {
    std::string name, value;
    bool from_default = false;
  };
  std::vector<ResolvedField> resolved_config;
  // The sampling the checkpoint recommends (a folder's generation_config.json, a GGUF file's
  // general.sampling.* keys): SamplingParams' defaults with the fields it decides replaced, and
  // those fields as SamplingFieldBit bits (0: it recommends nothing). generation_config.json's
  // do_sample false (or absent) is temperature 0; a repetition penalty over the whole sequence
  // (transformers', llama.cpp's penalty_last_n -1) is repeat_last_n = context_length. The C API
  // applies these when a generation's sampling params are NULL; C++ callers start from them.
  SamplingParams recommended_sampling;
  uint32_t recommended_sampling_fields = 0;
};

// How weights and attention meet activations.
enum class Precision : int32_t {
  kExact = 0,  // float32 activations: matches the PyTorch reference (default). Against Q8_0 / Q4_0
               // weights, activations in two 8-bit terms (within float32 rounding of exact math).
  kFast = 1,   // as llama.cpp computes: one 8-bit activation term against Q8_0 / Q4_0 weights
               // (about twice the prompt speed; mean KL ~5e-4 on tiny models); where the CPU has
               // AVX512_BF16, bf16-rounded activations against BF16 weights (the matrices are
               // repacked at load) and bf16 block products for the attention of prompts and images.
};

// A LoRA adapter folder (PEFT layout, gemmakit/adapter.h) folded into the weights at load.
struct MergedAdapter {
  std::string path;
  float scale = 1.f;
};

struct LoadOptions {
  // "" keeps the stored types. A llama-quantize preset ("f32", "f16", "bf16", "q8_0", "q4_0",
  // "q4_1", "q5_0", "q5_1", "iq4_nl", "iq4_xs", "q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k")
  // converts the weight matrices at load to the types llama-quantize would give each one; a plain
  // type ("q4_k", "q5_k", "q3_k") converts them all to it (the embedding to Q8_0 for 4-/5-bit).
  std::string weight_type;
  int n_threads = 0;  // for the conversion and repacking at load; 0: one per core
  // A vision projector GGUF (llama.cpp's --mmproj file) giving a Gemma 3 or 3n model its vision tower.
  std::string mmproj_path;
  Precision precision = Precision::kExact;
  // A MatFormer slice of a Gemma 3n checkpoint, as a JSON file: {"layers_skipped": [...],
  // "ffn_hidden_dims": [...]} (model/gemma3n/matformer_slice.h). Applied at load; nothing is written.
  std::string slice_path;
  // Merge-at-load: W + scale·s·B·A for each adapter's projections, re-encoded in the matrix's own
  // type before any conversion above, so decoding costs what the base does. Sessions cannot
  // switch these off; use Adapter and Session::SetAdapters for adapters chosen at run time.
  std::vector<MergedAdapter> merge_adapters;
};

class Model {
 public:
  // A HuggingFace checkpoint folder. Throws Error with a status and a message naming the problem.
  static std::shared_ptr<const Model> Load(const std::string& path, const LoadOptions& options = {});
  ~Model();

  const ModelInfo& info() const;
  bool has_tokenizer() const;
  // Throws Error(kUnsupported) when the checkpoint came without a vocabulary.
  const Tokenizer& tokenizer() const;
  // The conversation in Gemma's chat format (gemmakit/chat.h). Throws Error(kUnsupported) when
  // the checkpoint's chat template is not an official Gemma template (gemmakit does not run
  // Jinja, and will not guess), and FormatGemmaChat's errors.
  std::string ApplyChatTemplate(const std::vector<ChatMessage>& messages, bool add_generation_prompt) const;
  // KV cache bytes per session: gemmakit::KvCacheBytes (gemmakit/session.h), which knows the
  // session's KV type, sliding-window rings and batch size.

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gemmakit
