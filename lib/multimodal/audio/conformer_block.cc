#include "multimodal/audio/conformer_block.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/norm.h"
#include "multimodal/audio/audio_ops.h"
#include "multimodal/audio/conformer_attention.h"

namespace gemmakit {
namespace {

// Gemma3nAudioConformerFeedForward: x += residual_weight · post_norm(clamp(down(silu(up(pre_norm(clamp(x))))))).
void FeedForward(const AudioConfig& c, const AudioFfwWeights& f, float* x, size_t steps, Executor* ex,
                 const MatMulOptions& mm) {
  const size_t d = static_cast<size_t>(c.hidden), ff = static_cast<size_t>(c.ffw_hidden);
  std::vector<float> h(x, x + steps * d), up(steps * ff);
  ClampInPlace(h.data(), steps, d, c.clip, ex);
  RmsNormRows(h.data(), steps, d, f.pre_norm.data(), kAudioDefaultNormEps, h.data(), ex);
  MatMul(h.data(), steps, f.up, up.data(), ex, mm);
  SiluInPlace(up.data(), steps, ff, ex);
  MatMul(up.data(), steps, f.down, h.data(), ex, mm);
  ClampInPlace(h.data(), steps, d, c.clip, ex);
  RmsNormRows(h.data(), steps, d, f.post_norm.data(), kAudioDefaultNormEps, h.data(), ex);
  AddScaledInPlace(x, h.data(), steps, d, c.residual_weight, ex);
}

// Gemma3nAudioConformerAttention: x += post_norm(clamp(post(attention(pre_norm(clamp(x)))))).
void AttentionSubBlock(const AudioConfig& c, const ConformerLayerWeights& l, float* x, const uint8_t* valid, size_t steps,
                       Executor* ex, const MatMulOptions& mm) {
  const size_t d = static_cast<size_t>(c.hidden);
  std::vector<float> h(x, x + steps * d), attn(steps * d);
  ClampInPlace(h.data(), steps, d, c.clip, ex);
  RmsNormRows(h.data(), steps, d, l.attn_pre_norm.data(), kAudioDefaultNormEps, h.data(), ex);
  ConformerAttention(c, l, h.data(), valid, steps, attn.data(), ex, mm);
  MatMul(attn.data(), steps, l.post, h.data(), ex, mm);
  ClampInPlace(h.data(), steps, d, c.clip, ex);
  RmsNormRows(h.data(), steps, d, l.attn_post_norm.data(), kAudioDefaultNormEps, h.data(), ex);
  AddScaledInPlace(x, h.data(), steps, d, 1.f, ex);
}

// Gemma3nAudioConformerLightConv1d. Its norms use the config's rms_norm_eps.
void LightConv(const AudioConfig& c, const ConformerLayerWeights& l, float* x, size_t steps, Executor* ex,
                 const MatMulOptions& mm) {
  const size_t d = static_cast<size_t>(c.hidden), kernel = static_cast<size_t>(c.conv_kernel);
  std::vector<float> h(steps * d), gated(steps * 2 * d), conv(steps * d);
  RmsNormRows(x, steps, d, l.lconv_pre_norm.data(), c.eps, h.data(), ex);
  MatMul(h.data(), steps, l.linear_start, gated.data(), ex, mm);
  // GLU over the last dimension: first half · sigmoid(second half).
  ParallelFor(ex, steps, 16, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      const float* g = &gated[t * 2 * d];
      for (size_t j = 0; j < d; ++j) h[t * d + j] = g[j] / (1.f + std::exp(-g[d + j]));
    }
  });
  // Depthwise, causal: step t sees steps t - kernel + 1 .. t (zeros before the clip).
  ParallelFor(ex, steps, 16, [&](size_t t0, size_t t1) {
    for (size_t t = t0; t < t1; ++t) {
      for (size_t j = 0; j < d; ++j) {
        const float* wj = &l.depthwise[j * kernel];
        float s = 0.f;
        for (size_t i = 0; i < kernel; ++i) {
          const size_t back = kernel - 1 - i;
          if (back <= t) s += wj[i] * h[(t - back) * d + j];
        }
        conv[t * d + j] = s;
      }
    }
  });
  ClampInPlace(conv.data(), steps, d, c.clip, ex);
  RmsNormRows(conv.data(), steps, d, l.conv_norm.data(), c.eps, conv.data(), ex);
  SiluInPlace(conv.data(), steps, d, ex);
  MatMul(conv.data(), steps, l.linear_end, h.data(), ex, mm);
  AddScaledInPlace(x, h.data(), steps, d, 1.f, ex);
}

}  // namespace

void ConformerBlock(const AudioConfig& c, const ConformerLayerWeights& l, float* x, const uint8_t* valid, size_t steps,
                    Executor* ex, const MatMulOptions& mm, const AudioTap* tap, int layer) {
  const size_t d = static_cast<size_t>(c.hidden);
  auto emit = [&](const char* name) {
    if (tap && *tap) (*tap)(name, layer, x, steps, d);
  };
  FeedForward(c, l.ffw_start, x, steps, ex, mm);
  emit("ffw_start");
  AttentionSubBlock(c, l, x, valid, steps, ex, mm);
  emit("attention");
  for (size_t t = 0; t < steps; ++t) {
    if (!valid[t]) std::fill(x + t * d, x + (t + 1) * d, 0.f);
  }
  LightConv(c, l, x, steps, ex, mm);
  emit("lconv");
  FeedForward(c, l.ffw_end, x, steps, ex, mm);
  emit("ffw_end");
  ClampInPlace(x, steps, d, c.clip, ex);
  RmsNormRows(x, steps, d, l.norm.data(), kAudioDefaultNormEps, x, ex);
}

}  // namespace gemmakit
