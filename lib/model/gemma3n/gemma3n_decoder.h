// The Gemma 3n text decoder, block by block as in the paper's diagram:
//
//   embed → per-layer inputs; AltUp expand into 4 streams
//   per layer: AltUp predict → norm → [attention ∥ LAuReL] → (attn + active)/√2 mix → norm → FFN
//              → norm → residual → AltUp correct → per-layer input into the other streams
//   AltUp collapse → norm → tied output projection → soft-cap
#pragma once

#include <vector>

#include "model/blocks.h"
#include "model/decoder.h"
#include "model/gemma3n/gemma3n_weights.h"

namespace gemmakit {

class Gemma3nDecoder : public Decoder {
 public:
  Gemma3nDecoder(const ModelConfig& config, const ModelWeights& weights, Gemma3nWeights extra,
                 const MatMulOptions& matmul = {})
      : c_(config), w_(weights), x_(std::move(extra)), mm_(matmul) {}

  std::vector<FamilyTensor> FamilyTensors() const override;
  size_t FamilyDecodeBytes() const override;
  size_t LookupTableBytes() const override;
  size_t FamilyParams() const override { return x_.n_params; }

 private:
  struct Activations;
  void Run(const ForwardRequest& req, const std::vector<Segment>& segments, std::vector<float>& logits, Executor* ex,
           const DebugTap* tap) const override;
  void Layer(size_t layer, const ForwardRequest& req, const std::vector<Segment>& segments, Activations& a,
             Executor* ex) const;

  const ModelConfig& c_;
  const ModelWeights& w_;
  Gemma3nWeights x_;
  MatMulOptions mm_;
};

}  // namespace gemmakit
