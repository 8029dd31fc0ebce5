// LoRA adapters as PEFT saves them (a folder with adapter_config.json and
// adapter_model.safetensors), loaded against a model without touching its weights. An adapter is
// immutable and shared; each session chooses which adapters are active and at what scale
// (Session::SetAdapters), so sessions of one model may run different fine-tunes side by side.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gemmakit/model.h"

namespace gemmakit {

class Adapter {
 public:
  // Loads a PEFT LoRA folder for `model`. Throws Error: kIoError (missing folder or file),
  // kUnsupported (peft_type other than LORA, DoRA, a target module other than q/k/v/o_proj and
  // gate/up/down_proj, per-module rank or alpha patterns), kFormatError (malformed config or
  // tensors, or factors whose shapes do not fit the model: the message names the tensor).
  static std::shared_ptr<const Adapter> Load(std::shared_ptr<const Model> model, const std::string& dir);
  ~Adapter();

  const std::string& path() const;
  int64_t rank() const;
  // PEFT's scaling at scale 1: lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora.
  double scaling() const;
  const Model& model() const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Adapter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An adapter active in a session: its deltas are added at `scale` (1: as trained; 0.5: half).
struct ActiveAdapter {
  std::shared_ptr<const Adapter> adapter;
  float scale = 1.f;
};

}  // namespace gemmakit
