#include "kernels/attention/kv_rows.h"

#include <algorithm>
#include <cmath>

namespace gemmakit {
namespace {

size_t Q8Blocks(size_t head_dim) { return (head_dim + kKvQ8Block - 1) / kKvQ8Block; }

}  // namespace

bool IsKvType(DType t) { return t == DType::kF32 || t == DType::kBF16 || t == DType::kF16 || t == DType::kQ8_0; }

size_t KvHeadBytes(DType t, size_t head_dim) {
  switch (t) {
    case DType::kF32:
      return head_dim * 4;
    case DType::kBF16:
    case DType::kF16:
      return head_dim * 2;
    case DType::kQ8_0:
      return Q8Blocks(head_dim) * 2 + head_dim;
    default:
      return 0;
  }
}

void KvEncodeHead(DType t, const float* src, size_t head_dim, uint8_t* dst) {
  switch (t) {
    case DType::kF32:
      std::memcpy(dst, src, head_dim * 4);
      return;
    case DType::kBF16:
    case DType::kF16:
      ConvertFromF32(t, src, dst, head_dim);
      return;
    case DType::kQ8_0: {
      const size_t nb = Q8Blocks(head_dim);
      int8_t* q = reinterpret_cast<int8_t*>(dst + nb * 2);
      for (size_t b = 0; b < nb; ++b) {
        const size_t lo = b * kKvQ8Block, hi = std::min(head_dim, lo + kKvQ8Block);
        float amax = 0.f;
        for (size_t j = lo; j < hi; ++j) amax = std::max(amax, std::fabs(src[j]));
        const float d = amax / 127.f;
        const float id = d != 0.f ? 1.f / d : 0.f;
        const uint16_t h = F32ToF16(d);
        std::memcpy(dst + b * 2, &h, 2);
        for (size_t j = lo; j < hi; ++j) q[j] = static_cast<int8_t>(std::lround(src[j] * id));
      }
      return;
    }
    default:
      return;
  }
}

const float* KvDecodeHead(DType t, const uint8_t* src, size_t head_dim, float* scratch) {
  switch (t) {
    case DType::kF32:
      return reinterpret_cast<const float*>(src);
    case DType::kBF16: {
      const uint16_t* s = reinterpret_cast<const uint16_t*>(src);
      for (size_t j = 0; j < head_dim; ++j) scratch[j] = BF16ToF32(s[j]);
      return scratch;
    }
    case DType::kF16:
      ConvertToF32(t, src, scratch, head_dim);
      return scratch;
    case DType::kQ8_0: {
      const size_t nb = Q8Blocks(head_dim);
      const int8_t* q = reinterpret_cast<const int8_t*>(src + nb * 2);
      for (size_t b = 0; b < nb; ++b) {
        uint16_t h;
        std::memcpy(&h, src + b * 2, 2);
        const float d = F16ToF32(h);
        const size_t lo = b * kKvQ8Block, hi = std::min(head_dim, lo + kKvQ8Block);
        for (size_t j = lo; j < hi; ++j) scratch[j] = d * static_cast<float>(q[j]);
      }
      return scratch;
    }
    default:
      return scratch;
  }
}

}  // namespace gemmakit
