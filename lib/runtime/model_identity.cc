#include "runtime/model_identity.h"

#include <algorithm>
#include <cstring>

#include "kernels/dtype.h"

namespace gemmakit {
namespace {

constexpr uint64_t kPrime = 0x100000001b3ull;
constexpr size_t kSampleBytes = 256;

void AddMatrix(Hash64& h, const MatrixView& m) {
  h.AddValue(static_cast<int32_t>(m.dtype));
  h.AddValue(static_cast<uint64_t>(m.rows));
  h.AddValue(static_cast<uint64_t>(m.cols));
  if (m.data == nullptr) return;
  h.Add(m.data, std::min(kSampleBytes, DTypeBytes(m.dtype, m.cols)));  // the first row's start
}

void AddFloats(Hash64& h, const std::vector<float>& v) {
  h.AddValue(static_cast<uint64_t>(v.size()));
  h.Add(v.data(), v.size() * sizeof(float));
}

}  // namespace

void Hash64::Add(const void* data, size_t n) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h_ = (h_ ^ w) * kPrime;
    h_ ^= h_ >> 29;
  }
  for (; i < n; ++i) h_ = (h_ ^ p[i]) * kPrime;
  h_ = (h_ ^ n) * kPrime;
}

uint64_t ModelIdentity(const ModelConfig& c, const ModelWeights& w) {
  Hash64 h;
  h.Add(c.architecture.data(), c.architecture.size());
  for (int64_t v : {c.vocab_size, c.hidden, c.intermediate, c.n_heads, c.n_kv_heads, c.head_dim, c.context_length}) {
    h.AddValue(v);
  }
  for (float v : {c.norm_eps, c.embed_scale, c.attn_scale, c.attn_softcap, c.final_softcap}) h.AddValue(v);
  for (bool v : {c.sandwich_norms, c.qk_norm, c.norm_adds_one}) h.AddValue(static_cast<uint8_t>(v));
  // Only when not the tanh GELU, so identities of models saved before the field existed hold.
  if (c.activation != FfnActivation::kGeluTanh) h.AddValue(static_cast<int32_t>(c.activation));
  for (const LayerConfig& lc : c.layers) {
    h.AddValue(static_cast<uint8_t>(lc.sliding));
    h.AddValue(lc.window);
    h.AddValue(lc.rope.base);
    h.AddValue(lc.rope.linear_scale);
  }
  AddMatrix(h, w.embed);
  AddMatrix(h, w.lm_head);
  AddFloats(h, w.final_norm);
  for (const LayerWeights& l : w.layers) {
    for (const MatrixView* m : {&l.q_proj, &l.k_proj, &l.v_proj, &l.o_proj, &l.gate_proj, &l.up_proj, &l.down_proj}) {
      AddMatrix(h, *m);
    }
    for (const std::vector<float>* v : {&l.input_norm, &l.post_attn_norm, &l.pre_ffw_norm, &l.post_ffw_norm, &l.q_norm, &l.k_norm}) {
      AddFloats(h, *v);
    }
  }
  return h.value();
}

}  // namespace gemmakit
