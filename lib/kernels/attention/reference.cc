// The scalar definition of attention, in double precision: what every variant is tested against.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/attention/attention.h"

namespace gemmakit {

KvView DenseKvView(const uint8_t* const* k_page, const uint8_t* const* v_page, size_t n_kv_heads, size_t head_dim) {
  KvView kv;
  kv.k_pages = k_page;
  kv.v_pages = v_page;
  kv.page_shift = 40;  // one page holds every position
  kv.type = DType::kF32;
  kv.n_kv_heads = n_kv_heads;
  kv.head_dim = head_dim;
  kv.head_bytes = KvHeadBytes(DType::kF32, head_dim);
  kv.row_bytes = n_kv_heads * kv.head_bytes;
  return kv;
}

void AttentionReference(const float* q, size_t n, size_t n_heads, const AttentionMask& mask, const KvView& kv,
                        const AttentionParams& params, float* out) {
  const size_t d = kv.head_dim;
  const size_t group = n_heads / kv.n_kv_heads;
  std::vector<float> row(d);
  for (size_t i = 0; i < n; ++i) {
    for (size_t h = 0; h < n_heads; ++h) {
      const float* qh = q + (i * n_heads + h) * d;
      float* o = out + (i * n_heads + h) * d;
      const size_t g = h / group;
      std::vector<double> w;
      double max_s = -INFINITY;
      for (int32_t p = mask.Begin(i); p < mask.End(i); ++p) {
        const float* k = KvDecodeHead(kv.type, kv.KeyHead(p, g), d, row.data());
        double s = 0;
        for (size_t j = 0; j < d; ++j) s += static_cast<double>(qh[j]) * k[j];
        s *= params.scale;
        if (params.softcap > 0.f) s = params.softcap * std::tanh(s / params.softcap);
        w.push_back(s);
        max_s = std::max(max_s, s);
      }
      double sum = 0;
      for (double& s : w) sum += (s = std::exp(s - max_s));
      std::vector<double> acc(d, 0.0);
      for (size_t p = 0; p < w.size(); ++p) {
        const float* v = KvDecodeHead(kv.type, kv.ValueHead(mask.Begin(i) + static_cast<int32_t>(p), g), d, row.data());
        for (size_t j = 0; j < d; ++j) acc[j] += w[p] / sum * v[j];
      }
      for (size_t j = 0; j < d; ++j) o[j] = static_cast<float>(acc[j]);
    }
  }
}

}  // namespace gemmakit
