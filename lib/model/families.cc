// Which decoder runs which architecture.
#include "gemmakit/status.h"
#include "model/decoder.h"
#include "model/gemma/gemma_decoder.h"

namespace gemmakit {

std::unique_ptr<Decoder> CreateDecoder(const ModelConfig& config, const ModelWeights& weights,
                                       const std::shared_ptr<const TensorIndex>& tensors, bool norms_include_one,
                                       const MatMulOptions& matmul) {
  (void)tensors;
  (void)norms_include_one;
  if (config.architecture == "gemma" || config.architecture == "gemma2" || config.architecture == "gemma3") {
    return std::make_unique<GemmaDecoder>(config, weights, matmul);
  }
  Fail(Status::kUnsupported, "no decoder for architecture '" + config.architecture + "'");
}

}  // namespace gemmakit
