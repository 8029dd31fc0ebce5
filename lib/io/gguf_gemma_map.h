// How llama.cpp's GGUF files spell a Gemma 1/2/3 checkpoint, next to HuggingFace's spelling: the
// architecture names, the metadata keys and the tensor names. One table each, read by the GGUF
// reader (io/gguf_checkpoint.cc) and by the GGUF writer (runtime/gguf_export.cc), so the two can
// only agree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "io/hparams.h"

namespace gemmakit {

// GGUF general.architecture ↔ HuggingFace model_type; "" when unknown.
std::string GgufArchToModelType(const std::string& arch);
std::string ModelTypeToGgufArch(const std::string& model_type);

// Plain numeric keys, under "<arch>.": e.g. {"embedding_length", &HParams::hidden_size}.
struct GgufIntKey {
  const char* key;
  std::optional<int64_t> HParams::*field;
};
struct GgufFloatKey {
  const char* key;
  std::optional<double> HParams::*field;
};
extern const GgufIntKey kGgufIntKeys[];
extern const size_t kNumGgufIntKeys;
extern const GgufFloatKey kGgufFloatKeys[];
extern const size_t kNumGgufFloatKeys;

// Tensors llama.cpp stores stacked along a third dimension that HuggingFace keeps as a list of
// matrices (Gemma 3n's AltUp projections): GGUF "altup_proj.weight" [k, rows, cols] is
// "altup_projections.<i>.weight" for i < k.
struct GgufStackedTensor {
  const char* gguf;
  const char* hf_prefix;
};
extern const GgufStackedTensor kGgufStackedTensors[];
extern const size_t kNumGgufStackedTensors;

// Tensor names: canonical (HuggingFace's, without prefix: "layers.3.mlp.up_proj.weight") ↔ GGUF
// ("blk.3.ffn_up.weight"). Empty when the tensor is not the text decoder's. Gemma 1 stores its
// pre-feed-forward norm as "post_attention_layernorm" in HuggingFace files, the others as
// "pre_feedforward_layernorm"; GGUF calls both "ffn_norm".
std::string GgufToHfTensorName(const std::string& gguf_name, const std::string& arch);
std::string HfToGgufTensorName(const std::string& hf_name, const std::string& arch);

}  // namespace gemmakit
