#include "logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "text_stream.h"

namespace gemmakit_serve {

TokenLogprob ComputeLogprobs(const gemmakit_model* model, const float* logits, size_t n_vocab, int32_t token,
                             int32_t top) {
  const float max = *std::max_element(logits, logits + n_vocab);
  double sum = 0;
  for (size_t i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i] - max));
  const double log_z = static_cast<double>(max) + std::log(sum);
  TokenLogprob out;
  out.token = Detokenize(model, &token, 1);
  out.logprob = static_cast<float>(logits[token] - log_z);
  const size_t k = std::min(static_cast<size_t>(std::max(top, 0)), n_vocab);
  if (k == 0) return out;
  std::vector<int32_t> ids(n_vocab);
  std::iota(ids.begin(), ids.end(), 0);
  std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                    [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
  for (size_t i = 0; i < k; ++i) {
    out.top.push_back({Detokenize(model, &ids[i], 1), static_cast<float>(logits[ids[i]] - log_z)});
  }
  return out;
}

}  // namespace gemmakit_serve
