// Which decoder runs which architecture.
#include "gemmakit/status.h"
#include "model/decoder.h"
#include "model/gemma/gemma_decoder.h"
#include "model/gemma3n/gemma3n_decoder.h"

namespace gemmakit {

std::unique_ptr<Decoder> CreateDecoder(const ModelConfig& config, const ModelWeights& weights,
                                       const std::shared_ptr<const TensorIndex>& tensors, bool norms_include_one,
                                       const MatMulOptions& matmul) {
  if (config.architecture == "gemma" || config.architecture == "gemma2" || config.architecture == "gemma3") {
    return std::make_unique<GemmaDecoder>(config, weights, matmul);
  }
  if (config.architecture == "gemma3n") {
    return std::make_unique<Gemma3nDecoder>(config, weights, BindGemma3nWeights(config, tensors, norms_include_one, matmul), matmul);
  }
  Fail(Status::kUnsupported, "no decoder for architecture '" + config.architecture + "'");
}

}  // namespace gemmakit
