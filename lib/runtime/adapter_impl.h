// What a gemmakit::Adapter holds: the factors bound to its model's layers.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "gemmakit/adapter.h"
#include "io/peft_adapter.h"
#include "model/lora.h"

namespace gemmakit {

struct Adapter::Impl {
  std::shared_ptr<const Model> model;
  LoraCheckpoint checkpoint;
  std::shared_ptr<const LoraWeights> weights;
  uint64_t identity = 0;  // of the factors' bytes and shapes and the scaling: what changes the numbers
};

// What a saved session records of the adapters active when it was saved (runtime/session_state.h):
// each adapter's identity and scale, in order; 0 for none.
uint64_t AdapterSetIdentity(const std::vector<ActiveAdapter>& adapters);

// The set a session's forward passes apply: every adapter checked to be `model`'s and every
// scale finite. Throws Error(kInvalidArgument) otherwise.
LoraSet ToLoraSet(const Model& model, const std::vector<ActiveAdapter>& adapters);

// LoadOptions::merge_adapters: folds each adapter into the weights (model/lora.h
// MergeLoraWeights), in float32 when `converted` (the load converts the matrices afterwards).
// Called before the weights are requantized or repacked.
void MergeAdaptersAtLoad(ModelWeights& weights, const std::vector<MergedAdapter>& adapters, bool converted,
                         Executor* ex);

}  // namespace gemmakit
