// The affine form of every block type (u8_panels.h), written as dequantize.cc reads the blocks,
// and the inputs the u8 panel kernel takes. Portable: the AVX-512 kernel and the tests call it.
#include "kernels/matmul/u8_panels.h"

#include <algorithm>
#include <cstring>

#include "kernels/quant/activation_q8.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

// One super-block or block of a type: u[k] for its values, and its groups' scales and mins.
struct Out {
  uint8_t* u;
  float* scale;
  float* min;
};

// The 32 values of a Q4_x / Q5_x / IQ4_NL block as stored: element j in the low nibble of byte j,
// element j + 16 in the high one, fifth bit j of qh (if any).
void Nibbles32(const uint8_t* qs, const uint8_t* qh, uint8_t* u) {
  uint32_t high = 0;
  if (qh) std::memcpy(&high, qh, 4);  // little-endian, as GGUF stores it
  for (int j = 0; j < 16; ++j) {
    u[j] = static_cast<uint8_t>((qs[j] & 0xF) | (((high >> j) & 1) << 4));
    u[j + 16] = static_cast<uint8_t>((qs[j] >> 4) | (((high >> (j + 16)) & 1) << 4));
  }
}

void Q8_0(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ8_0*>(p);
  for (int j = 0; j < 32; ++j) o.u[j] = static_cast<uint8_t>(b.qs[j] + 128);
  o.scale[0] = F16ToF32(b.d), o.min[0] = -128.f * o.scale[0];
}

void Q4_0(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ4_0*>(p);
  Nibbles32(b.qs, nullptr, o.u);
  o.scale[0] = F16ToF32(b.d), o.min[0] = -8.f * o.scale[0];
}

void Q4_1(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ4_1*>(p);
  Nibbles32(b.qs, nullptr, o.u);
  o.scale[0] = F16ToF32(b.d), o.min[0] = F16ToF32(b.m);
}

void Q5_0(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ5_0*>(p);
  Nibbles32(b.qs, b.qh, o.u);
  o.scale[0] = F16ToF32(b.d), o.min[0] = -16.f * o.scale[0];
}

void Q5_1(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ5_1*>(p);
  Nibbles32(b.qs, b.qh, o.u);
  o.scale[0] = F16ToF32(b.d), o.min[0] = F16ToF32(b.m);
}

// Non-linear levels: u = level + 128 (in [1, 241]), min = -128 · scale.
void Levels32(const uint8_t* qs, float scale, Out o) {
  Nibbles32(qs, nullptr, o.u);
  for (int j = 0; j < 32; ++j) o.u[j] = static_cast<uint8_t>(kIQ4NLValues[o.u[j]] + 128);
  o.scale[0] = scale, o.min[0] = -128.f * scale;
}

void IQ4_NL(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockIQ4_NL*>(p);
  Levels32(b.qs, F16ToF32(b.d), o);
}

void IQ4_XS(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockIQ4_XS*>(p);
  const float d = F16ToF32(b.d);
  for (int s = 0; s < 8; ++s) {
    const int ls = ((b.scales_l[s / 2] >> (4 * (s % 2))) & 0xF) | (((b.scales_h >> (2 * s)) & 3) << 4);
    Levels32(b.qs + 16 * s, d * static_cast<float>(ls - 32), {o.u + 32 * s, o.scale + s, o.min + s});
  }
}

// Q4_K / Q5_K: sub-block 2j holds the low nibbles of bytes 32j.., 2j + 1 the high ones.
template <bool kFifthBit, typename Block>
void K4(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const Block*>(p);
  const float d = F16ToF32(b.d), dmin = F16ToF32(b.dmin);
  for (int j = 0; j < 4; ++j) {
    for (int h = 0; h < 2; ++h) {
      const int s = 2 * j + h;
      uint8_t sc, m;
      UnpackScaleMinK4(s, b.scales, &sc, &m);
      o.scale[s] = d * sc, o.min[s] = -(dmin * m);
      for (int l = 0; l < 32; ++l) {
        int q = (b.qs[32 * j + l] >> (4 * h)) & 0xF;
        if constexpr (kFifthBit) q |= ((b.qh[l] >> s) & 1) << 4;
        o.u[32 * s + l] = static_cast<uint8_t>(q);
      }
    }
  }
}

// Q6_K: per 16 values, d · sc · (q - 32).
void Q6_K(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ6_K*>(p);
  const float d = F16ToF32(b.d);
  for (int g = 0; g < 16; ++g) o.scale[g] = d * b.scales[g], o.min[g] = -32.f * o.scale[g];
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = b.ql + 64 * half;
    const uint8_t* qh = b.qh + 32 * half;
    uint8_t* u = o.u + 128 * half;
    for (int l = 0; l < 32; ++l) {
      u[l] = static_cast<uint8_t>((ql[l] & 0xF) | ((qh[l] & 3) << 4));
      u[l + 32] = static_cast<uint8_t>((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4));
      u[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
      u[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
    }
  }
}

// Q2_K and Q3_K: in each 128-value half, byte l of the 32 holds values l (and l + 16 for the
// second 16-group) at shifts 0, 2, 4, 6 for groups 0..3 of 32; group of 16 = half·8 + shift/2·2 + g.
void Q2_K(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ2_K*>(p);
  const float d = F16ToF32(b.d), dmin = F16ToF32(b.dmin);
  for (int g = 0; g < 16; ++g) o.scale[g] = d * (b.scales[g] & 0xF), o.min[g] = -(dmin * (b.scales[g] >> 4));
  for (int e = 0; e < 256; ++e) {
    const int half = e / 128, shift = 2 * ((e % 128) / 32), l = e % 32;
    o.u[e] = static_cast<uint8_t>((b.qs[32 * half + l] >> shift) & 3);
  }
}

// Q3_K: q - 4 where the high-mask bit is clear; u = q + 4 · bit, min = -4 · scale.
void Q3_K(const uint8_t* p, Out o) {
  const auto& b = *reinterpret_cast<const BlockQ3_K*>(p);
  const float d = F16ToF32(b.d);
  int8_t scales[16];
  UnpackScalesQ3K(b.scales, scales);
  for (int g = 0; g < 16; ++g) o.scale[g] = d * scales[g], o.min[g] = -4.f * o.scale[g];
  for (int e = 0; e < 256; ++e) {
    const int half = e / 128, step = (e % 128) / 32, l = e % 32;
    const int q = (b.qs[32 * half + l] >> (2 * step)) & 3;
    const int bit = (b.hmask[l] >> (4 * half + step)) & 1;
    o.u[e] = static_cast<uint8_t>(q + 4 * bit);
  }
}

struct Format {
  void (*unpack)(const uint8_t*, Out);
  size_t values, group;  // per block; per (scale, min)
};

bool FormatOf(DType dtype, Format* f) {
  switch (dtype) {
    case DType::kQ8_0: *f = {Q8_0, 32, 32}; return true;
    case DType::kQ4_0: *f = {Q4_0, 32, 32}; return true;
    case DType::kQ4_1: *f = {Q4_1, 32, 32}; return true;
    case DType::kQ5_0: *f = {Q5_0, 32, 32}; return true;
    case DType::kQ5_1: *f = {Q5_1, 32, 32}; return true;
    case DType::kIQ4_NL: *f = {IQ4_NL, 32, 32}; return true;
    case DType::kIQ4_XS: *f = {IQ4_XS, 256, 32}; return true;
    case DType::kQ4_K: *f = {K4<false, BlockQ4_K>, 256, 32}; return true;
    case DType::kQ5_K: *f = {K4<true, BlockQ5_K>, 256, 32}; return true;
    case DType::kQ6_K: *f = {Q6_K, 256, 16}; return true;
    case DType::kQ2_K: *f = {Q2_K, 256, 16}; return true;
    case DType::kQ3_K: *f = {Q3_K, 256, 16}; return true;
    default: return false;
  }
}

}  // namespace

size_t U8GroupSize(DType dtype) {
  Format f;
  return FormatOf(dtype, &f) ? f.group : 0;
}

int U8MaxQuant(DType dtype) {
  switch (dtype) {
    case DType::kQ2_K: return 3;
    case DType::kQ3_K: return 7;
    case DType::kQ4_0: case DType::kQ4_1: case DType::kQ4_K: return 15;
    case DType::kQ5_0: case DType::kQ5_1: case DType::kQ5_K: return 31;
    case DType::kQ6_K: return 63;
    default: return 255;  // Q8_0 (w + 128), IQ4_NL / IQ4_XS (table values up to 241)
  }
}

int U8Offset(DType dtype) {
  switch (dtype) {
    case DType::kQ5_0: return 16;
    case DType::kQ6_K: return 32;
    case DType::kQ3_K: return 4;
    case DType::kIQ4_NL: case DType::kIQ4_XS: return 128;  // Levels32
    default: return 0;
  }
}

bool U8PanelsFitAvx2(DType dtype) {
  // Q8_0 and Q4_0 have kernels of their own; the rest take the AVX2 panels when u < 64.
  return dtype != DType::kQ8_0 && dtype != DType::kQ4_0 && U8MaxQuant(dtype) < 64;
}

void UnpackRowsU8(DType dtype, const uint8_t* rows, size_t row_stride, size_t n_rows, size_t cols, uint8_t* u,
                  float* scale, float* min) {
  Format f;
  if (!FormatOf(dtype, &f)) return;
  const size_t block_bytes = DTypeBytes(dtype, f.values), groups = cols / f.group, per_block = f.values / f.group;
  for (size_t r = 0; r < n_rows; ++r) {
    const uint8_t* row = rows + r * row_stride;
    for (size_t b = 0; b < cols / f.values; ++b) {
      f.unpack(row + b * block_bytes, {u + r * cols + b * f.values, scale + r * groups + b * per_block,
                                       min + r * groups + b * per_block});
    }
  }
}

void PackU8PanelInputs(const float* x, size_t n, size_t cols, size_t group, bool two_terms, U8PanelInputs& out,
                       Executor* ex) {
  constexpr size_t kPad = 4;  // the kernel's inputs per tile
  const size_t terms = two_terms ? 2 : 1, rows = terms * n, padded = (rows + kPad - 1) / kPad * kPad;
  const size_t nb = cols / 32, groups = cols / group;
  out.cols = cols, out.group = group, out.n = rows;
  out.q.resize(padded * cols);
  out.d.resize(padded * nb);
  out.sum.resize(padded * groups);
  out.qsum.resize(padded * groups);
  // Padding rows are multiplied, never stored: zero keeps them finite.
  std::fill(out.q.begin() + rows * cols, out.q.end(), int8_t{0});
  std::fill(out.d.begin() + rows * nb, out.d.end(), 0.f);
  std::fill(out.sum.begin() + rows * groups, out.sum.end(), 0.f);
  std::fill(out.qsum.begin() + rows * groups, out.qsum.end(), 0);
  ParallelFor(ex, n, 8, [&](size_t i0, size_t i1) {
    std::vector<BlockQ8Act> blocks(terms * nb);
    for (size_t i = i0; i < i1; ++i) {
      if (two_terms) {
        QuantizeActivationsQ8Split(x + i * cols, blocks.data(), blocks.data() + nb, cols);
      } else {
        QuantizeActivationsQ8(x + i * cols, blocks.data(), cols);
      }
      for (size_t t = 0; t < terms; ++t) {
        const size_t row = terms * i + t;
        for (size_t b = 0; b < nb; ++b) {
          const BlockQ8Act& blk = blocks[t * nb + b];
          std::memcpy(out.q.data() + row * cols + 32 * b, blk.qs, 32);
          out.d[row * nb + b] = blk.d;
          for (size_t g = 0; g < 32 / group; ++g) {
            int32_t s = 0;
            for (size_t k = 0; k < group; ++k) s += blk.qs[g * group + k];
            out.sum[row * groups + b * (32 / group) + g] = blk.d * static_cast<float>(s);
            out.qsum[row * groups + b * (32 / group) + g] = s;
          }
        }
      }
    }
  });
}

}  // namespace gemmakit
