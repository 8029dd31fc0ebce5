// A 64-bit fingerprint of a loaded model, carried by saved sessions so that a session is never
// restored into a model it was not computed with. It covers what changes the numbers: the
// resolved configuration, every weight matrix's type and shape, and a sample of each matrix's
// bytes (two fine-tunes share a geometry but not their weights). File paths play no part.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/model_config.h"
#include "model/weights.h"

namespace gemmakit {

// Word-wise FNV-1a style hash of bytes: fast enough for a multi-GB KV cache, and any change of a
// byte changes it.
class Hash64 {
 public:
  void Add(const void* data, size_t n);
  template <typename T>
  void AddValue(const T& v) { Add(&v, sizeof v); }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ull;
};

uint64_t ModelIdentity(const ModelConfig& config, const ModelWeights& weights);

}  // namespace gemmakit
