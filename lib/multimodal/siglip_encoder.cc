#include "multimodal/siglip_encoder.h"

#include <algorithm>

#include "kernels/bf16_gemm.h"
#include "kernels/gelu.h"
#include "kernels/layer_norm.h"
#include "kernels/matmul.h"
#include "kernels/norm.h"
#include "kernels/attention/attention.h"

namespace gemmakit {
namespace {

// Row-parallel: at 4096 patches these element-wise passes took a second per image on one thread.
void AddBias(float* y, size_t n, const std::vector<float>& bias, Executor* ex) {
  const size_t d = bias.size();
  ParallelFor(ex, n, 64, [&](size_t r0, size_t r1) {
    for (size_t i = r0; i < r1; ++i) {
      float* row = y + i * d;
      for (size_t j = 0; j < d; ++j) row[j] += bias[j];
    }
  });
}

void AddInPlace(float* x, const float* y, size_t n, size_t d, Executor* ex) {
  ParallelFor(ex, n, 64, [&](size_t r0, size_t r1) {
    for (size_t i = r0 * d; i < r1 * d; ++i) x[i] += y[i];
  });
}

// y = x · Wᵀ + b
void Linear(const float* x, size_t n, const MatrixView& w, const std::vector<float>& b, float* y, Executor* ex,
            const MatMulOptions& mm) {
  MatMul(x, n, w, y, ex, mm);
  AddBias(y, n, b, ex);
}

// Row p = (py, px) of the result holds patch p's pixels in the convolution weight's order [c][ky][kx].
std::vector<float> Patches(const VisionConfig& c, const float* pixels) {
  const size_t ps = static_cast<size_t>(c.patch_size), side = static_cast<size_t>(c.patches_per_side);
  const size_t img = static_cast<size_t>(c.image_size), cols = 3 * ps * ps;
  std::vector<float> out(side * side * cols);
  for (size_t py = 0; py < side; ++py) {
    for (size_t px = 0; px < side; ++px) {
      float* row = &out[(py * side + px) * cols];
      for (size_t ch = 0; ch < 3; ++ch) {
        for (size_t ky = 0; ky < ps; ++ky) {
          const float* src = pixels + (ch * img + py * ps + ky) * img + px * ps;
          std::copy_n(src, ps, row + (ch * ps + ky) * ps);
        }
      }
    }
  }
  return out;
}

}  // namespace

std::vector<float> EncodeSiglip(const VisionConfig& c, const VisionWeights& w, const float* pixels, Executor* ex,
                                const VisionTap* tap, const MatMulOptions& mm) {
  const size_t n = static_cast<size_t>(c.n_patches), d = static_cast<size_t>(c.hidden);
  const size_t ff = static_cast<size_t>(c.intermediate);
  auto emit = [&](const char* name, int layer, const std::vector<float>& t, size_t cols) {
    if (tap && *tap) (*tap)(name, layer, t.data(), n, cols);
  };
  std::vector<float> x(n * d), h(n * d), q(n * d), k(n * d), v(n * d), attn(n * d), mlp(n * ff);
  {
    const std::vector<float> patches = Patches(c, pixels);
    Linear(patches.data(), n, w.patch, w.patch_b, x.data(), ex, mm);
  }
  AddInPlace(x.data(), w.position.data(), n, d, ex);
  emit("embeddings", -1, x, d);
  DenseAttentionScratch scratch;
  for (size_t il = 0; il < w.layers.size(); ++il) {
    const SiglipLayerWeights& l = w.layers[il];
    const int layer = static_cast<int>(il);
    LayerNorm(x.data(), n, d, l.ln1_w.data(), l.ln1_b.data(), c.eps, h.data(), ex);
    Linear(h.data(), n, l.q, l.q_b, q.data(), ex, mm);
    Linear(h.data(), n, l.k, l.k_b, k.data(), ex, mm);
    Linear(h.data(), n, l.v, l.v_b, v.data(), ex, mm);
    if (mm.bf16_inputs && HasFastBF16Gemm()) {
      DenseAttentionBF16(q.data(), k.data(), v.data(), n, static_cast<size_t>(c.n_heads),
                        static_cast<size_t>(c.head_dim), c.attn_scale, attn.data(), scratch, ex);
    } else {
      DenseAttention(q.data(), k.data(), v.data(), n, static_cast<size_t>(c.n_heads),
                    static_cast<size_t>(c.head_dim), c.attn_scale, attn.data(), scratch, ex);
    }
    Linear(attn.data(), n, l.o, l.o_b, h.data(), ex, mm);
    emit("attn_out", layer, h, d);
    AddInPlace(x.data(), h.data(), n, d, ex);

    LayerNorm(x.data(), n, d, l.ln2_w.data(), l.ln2_b.data(), c.eps, h.data(), ex);
    Linear(h.data(), n, l.fc1, l.fc1_b, mlp.data(), ex, mm);
    GeluTanhInPlace(mlp.data(), n * ff, ex);
    Linear(mlp.data(), n, l.fc2, l.fc2_b, h.data(), ex, mm);
    emit("mlp_out", layer, h, d);
    AddInPlace(x.data(), h.data(), n, d, ex);
  }
  LayerNorm(x.data(), n, d, w.post_ln_w.data(), w.post_ln_b.data(), c.eps, x.data(), ex);
  emit("post_layernorm", -1, x, d);
  return x;
}

std::vector<float> ProjectToSoftTokens(const VisionConfig& c, const VisionWeights& w, const float* features,
                                       Executor* ex) {
  const size_t d = static_cast<size_t>(c.hidden), side = static_cast<size_t>(c.patches_per_side);
  const size_t ts = static_cast<size_t>(c.tokens_per_side), kernel = static_cast<size_t>(c.pool_kernel);
  const size_t n_tokens = ts * ts;
  std::vector<float> pooled(n_tokens * d, 0.f);
  // AvgPool2d over the patch grid (patch p = row * side + col), kernel = stride = pool_kernel.
  for (size_t tr = 0; tr < ts; ++tr) {
    for (size_t tc = 0; tc < ts; ++tc) {
      float* dst = &pooled[(tr * ts + tc) * d];
      for (size_t ky = 0; ky < kernel; ++ky) {
        for (size_t kx = 0; kx < kernel; ++kx) {
          const float* src = features + ((tr * kernel + ky) * side + tc * kernel + kx) * d;
          for (size_t j = 0; j < d; ++j) dst[j] += src[j];
        }
      }
      const float count = static_cast<float>(kernel * kernel);
      for (size_t j = 0; j < d; ++j) dst[j] /= count;
    }
  }
  RmsNorm(pooled.data(), n_tokens, d, w.soft_norm.data(), c.eps, pooled.data());
  std::vector<float> out(n_tokens * static_cast<size_t>(c.text_hidden));
  MatMul(pooled.data(), n_tokens, w.projection, out.data(), ex);
  return out;
}

}  // namespace gemmakit
