// The Gemma 1/2/3 decoder: token embedding, a stack of attention + GeGLU blocks, final norm and
// the (tied) output projection. What differs between these three is data in ModelConfig.
#pragma once

#include <vector>

#include "model/blocks.h"
#include "model/decoder.h"
#include "model/weights.h"

namespace gemmakit {

class GemmaDecoder : public Decoder {
 public:
  GemmaDecoder(const ModelConfig& config, const ModelWeights& weights, const MatMulOptions& matmul = {})
      : c_(config), w_(weights), mm_(matmul) {}

 private:
  struct Activations;
  void Run(const ForwardRequest& req, const std::vector<Segment>& segments, std::vector<float>& logits, Executor* ex,
           const DebugTap* tap) const override;
  void Embed(const ForwardRequest& req, Activations& a) const;
  void AttentionBlock(size_t layer, const ForwardRequest& req, const std::vector<Segment>& segments, Activations& a,
                      Executor* ex) const;
  void FeedForwardBlock(size_t layer, const std::vector<Segment>& segments, Activations& a, Executor* ex) const;
  void Logits(const ForwardRequest& req, Activations& a, std::vector<float>& logits, Executor* ex) const;

  const ModelConfig& c_;
  const ModelWeights& w_;
  MatMulOptions mm_;
};

}  // namespace gemmakit
