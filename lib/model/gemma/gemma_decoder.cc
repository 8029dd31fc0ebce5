#include "model/gemma/gemma_decoder.h"

#include <algorithm>
#include <string>

#include "gemmakit/status.h"
#include "kernels/activation.h"
#include "kernels/matmul.h"
#include "kernels/norm.h"

namespace gemmakit {

struct GemmaDecoder::Activations {
  size_t n = 0;
  std::vector<float> x;          // [n, hidden] the residual stream
  std::vector<float> normed;     // [n, hidden]
  std::vector<float> block_out;  // [n, hidden]
  BlockScratch s;
  const DebugTap* tap = nullptr;

  void Tap(const char* name, int layer, const std::vector<float>& t, size_t cols) const {
    if (tap && *tap) (*tap)(name, layer, t.data(), n, cols);
  }
};

void GemmaDecoder::Embed(const ForwardRequest& req, Activations& a) const {
  const size_t d = static_cast<size_t>(c_.hidden);
  for (size_t i = 0; i < req.n; ++i) {
    float* row = &a.x[i * d];
    if (req.soft_rows && req.soft_rows[i]) {
      std::copy_n(req.soft_rows[i], d, row);
      continue;
    }
    w_.embed.RowToF32(static_cast<size_t>(req.tokens[i]), row);
    for (size_t j = 0; j < d; ++j) row[j] *= c_.embed_scale;
  }
  a.Tap("embed", -1, a.x, d);
}

// norm → self-attention → (post-norm) → residual
void GemmaDecoder::AttentionBlock(size_t il, const ForwardRequest& req, const std::vector<Segment>& segments,
                                  Activations& a, Executor* ex) const {
  const LayerWeights& lw = w_.layers[il];
  const size_t n = a.n, d = static_cast<size_t>(c_.hidden);
  const int layer = static_cast<int>(il);
  RmsNormRows(a.x.data(), n, d, lw.input_norm.data(), c_.norm_eps, a.normed.data(), ex);
  BlockTap tap;
  if (a.tap && *a.tap) tap = [&](const char* name, const std::vector<float>& t, size_t cols) { a.Tap(name, layer, t, cols); };
  SelfAttention(c_, il, lw, a.normed.data(), n, req, segments, a.s, a.block_out.data(), ex, mm_, tap);
  AddBlockOutput(c_.sandwich_norms ? lw.post_attn_norm.data() : nullptr, c_.norm_eps, n, d, a.block_out.data(),
                 a.x.data(), ex);
  a.Tap("attn_out", layer, a.block_out, d);
}

// norm → gate, up → gelu(gate) · up → down → (post-norm) → residual
void GemmaDecoder::FeedForwardBlock(size_t il, const std::vector<Segment>& segments, Activations& a,
                                    Executor* ex) const {
  const LayerWeights& lw = w_.layers[il];
  const size_t n = a.n, d = static_cast<size_t>(c_.hidden);
  RmsNormRows(a.x.data(), n, d, lw.pre_ffw_norm.data(), c_.norm_eps, a.normed.data(), ex);
  GatedFeedForward(c_, il, lw, a.normed.data(), n, segments, a.s, a.block_out.data(), ex, mm_);
  AddBlockOutput(c_.sandwich_norms ? lw.post_ffw_norm.data() : nullptr, c_.norm_eps, n, d, a.block_out.data(),
                 a.x.data(), ex);
  a.Tap("ffw_out", static_cast<int>(il), a.block_out, d);
}

void GemmaDecoder::Logits(const ForwardRequest& req, Activations& a, std::vector<float>& logits,
                          Executor* ex) const {
  const size_t d = static_cast<size_t>(c_.hidden), vocab = static_cast<size_t>(c_.vocab_size);
  const size_t first = req.all_logits ? 0 : a.n - 1;
  const size_t rows = a.n - first;
  RmsNorm(&a.x[first * d], rows, d, w_.final_norm.data(), c_.norm_eps, a.normed.data());
  if (req.output_hidden) {
    logits.assign(a.normed.begin(), a.normed.begin() + static_cast<std::ptrdiff_t>(rows * d));
    return;
  }
  logits.resize(rows * vocab);
  MatMul(a.normed.data(), rows, w_.lm_head, logits.data(), ex, mm_);
  if (c_.final_softcap > 0.f) SoftCap(logits.data(), logits.size(), c_.final_softcap);
}

void GemmaDecoder::Run(const ForwardRequest& req, const std::vector<Segment>& segments, std::vector<float>& logits,
                       Executor* ex, const DebugTap* tap) const {
  const size_t n = req.n;
  const size_t d = static_cast<size_t>(c_.hidden);
  Activations a;
  a.n = n;
  a.tap = tap;
  a.x.resize(n * d);
  a.normed.resize(n * d);
  a.block_out.resize(n * d);
  a.s.Resize(c_, n);
  a.s.Place(segments);
  Embed(req, a);
  for (size_t il = 0; il < w_.layers.size(); ++il) {
    AttentionBlock(il, req, segments, a, ex);
    FeedForwardBlock(il, segments, a, ex);
  }
  Logits(req, a, logits, ex);
}

}  // namespace gemmakit
