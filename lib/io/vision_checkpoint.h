// The vision tower and projector of a multimodal Gemma 3 checkpoint, under canonical names:
//   "vision.<SigLIP name>"  e.g. vision.embeddings.patch_embedding.weight,
//                                vision.encoder.layers.3.self_attn.q_proj.bias, vision.post_layernorm.weight
//   "projector.<name>"      projector.mm_input_projection_weight, projector.mm_soft_emb_norm.weight
// HuggingFace folders store them as vision_tower.vision_model.* / multi_modal_projector.* (as
// published) or model.vision_tower.vision_model.* / model.multi_modal_projector.* (newer
// transformers); llama.cpp's mmproj GGUF as v.* / mm.*.
#pragma once

#include <memory>
#include <optional>

#include "io/hf_checkpoint.h"
#include "io/mobilenet_hparams.h"
#include "io/tensor_index.h"
#include "io/vision_hparams.h"

namespace gemmakit {

struct VisionCheckpoint {
  VisionHParams hparams;
  ImageProcessorConfig processor;
  std::shared_ptr<const TensorIndex> tensors;  // canonical names (above)
  bool soft_norm_includes_one = false;         // GGUF stores the projector norm as 1 + w
  // Gemma 3n: a MobileNet-V5 tower instead of SigLIP (hparams above unused), its tensors named
  // "mobilenet.<timm name>" (mobilenet.blocks.2.9.attn.key.down_conv.weight) and
  // "embed_vision.<name>", from model.vision_tower.timm_model.* / model.embed_vision.*.
  std::optional<MobileNetHParams> mobilenet;
};

// nullopt for a text-only folder (config.json without "vision_config", or a Gemma 3n one whose
// files hold no vision tower). Reads
// preprocessor_config.json when the folder has one. Throws Error(kFormatError) for broken files.
std::optional<VisionCheckpoint> OpenHfVision(const HfCheckpoint& hf);

// An mmproj GGUF file as llama.cpp's converter writes it for Gemma 3 (clip.projector_type
// "gemma3": SigLIP) or Gemma 3n ("gemma3nv": MobileNet-V5, gguf_mobilenet_map.h). Throws Error(kIoError / kFormatError / kUnsupported).
VisionCheckpoint OpenMmprojGguf(const std::string& path);

}  // namespace gemmakit
