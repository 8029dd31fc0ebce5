// AltUp (Baykal et al., "Alternating Updates for Efficient Transformers", 2023), as Gemma 3n uses
// it: the residual stream is widened into `inputs` streams; each layer runs on one of them (the
// active stream), a learned map predicts all streams before the layer and corrects them after it
// from what the layer computed. Streams are laid out [inputs][n][hidden].
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/parallel.h"
#include "model/gemma3n/gemma3n_weights.h"
#include "model/model_config.h"

namespace gemmakit {

// The streams a stack starts from: stream 0 is x, stream k is projections[k-1](x) rescaled to the
// root-mean-square of x.
void AltUpExpand(const std::vector<MatrixView>& projections, const float* x, size_t n, size_t hidden, float* streams,
                 Executor* ex, const MatMulOptions& mm);

// The stack's output: the mean of stream 0 and unembed[k-1](stream k), each rescaled to the
// root-mean-square of stream 0. Rows [first, first + rows) only.
void AltUpCollapse(const std::vector<MatrixView>& unembed, const float* streams, size_t n, size_t hidden, size_t first,
                   size_t rows, float* out, Executor* ex, const MatMulOptions& mm);

// predictions[c] = streams[c] + Σ_k P[c][k] · streams[k], with P from the router on the active stream.
void AltUpPredict(const AltUpWeights& w, const Gemma3nParams& g, const float* streams, size_t n, size_t hidden,
                  float eps, float* predictions, Executor* ex);

// corrected[k] = predictions[k] + (activated - predictions[active]) · (1 + C_k), with C from the
// router on `activated` (the layer's output). Both split a prompt's rows across ex.
void AltUpCorrect(const AltUpWeights& w, const Gemma3nParams& g, const float* predictions, const float* activated,
                  size_t n, size_t hidden, float eps, float* corrected, Executor* ex);

}  // namespace gemmakit
