// A LoRA adapter folder as PEFT saves it (adapter_config.json + adapter_model.safetensors): its
// scaling and its low-rank factors under canonical names, for the model to bind against a base.
#pragma once

#include <memory>
#include <string>

#include "io/tensor_index.h"

namespace gemmakit {

struct LoraCheckpoint {
  std::string dir;
  int64_t rank = 0;
  double alpha = 0;
  bool rslora = false;
  // PEFT's scaling: alpha / rank, or alpha / sqrt(rank) with use_rslora.
  double scaling = 0;
  // The factors of every adapted projection, named as the base's weight with the PEFT suffix:
  // "layers.{i}.self_attn.q_proj.lora_A.weight" [rank, in] and "...lora_B.weight" [out, rank]
  // (for q/k/v/o_proj under self_attn, gate/up/down_proj under mlp). Points into the mapped file.
  std::shared_ptr<const TensorIndex> tensors;
};

// Throws Error(kIoError) for a missing folder or file; Error(kUnsupported) for a PEFT type other
// than LORA, DoRA, per-module rank or alpha patterns, LoRA biases, modules_to_save, and a target
// module other than the seven projections; Error(kFormatError) for a malformed config, a tensor
// that is not a LoRA factor of a targeted module, or a factor without its pair.
LoraCheckpoint OpenLoraCheckpoint(const std::string& dir);

}  // namespace gemmakit
