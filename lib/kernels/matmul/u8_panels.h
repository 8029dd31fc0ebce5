// Affine u8 panels: one prompt-sized integer GEMM for every block type whose values are, within a
// group of G columns (16 or 32), scale · u + min with u an unsigned byte. That covers the K-quants
// (Q4_K, Q5_K: per 32, d·sc and -dmin·m; Q6_K, Q3_K, Q2_K: per 16), the 32-blocks without panels
// of their own (Q5_0: u = q, min = -16·d; Q5_1, Q4_1: d and m) and the non-linear ones (IQ4_NL,
// IQ4_XS: u = level + 128, min = -128 · scale). Weight rows are unpacked a task at a time into
// 16-row panels (u8 quants 4 bytes per row per 32-bit lane, then the group's 16 scales and 16
// mins as floats), so one vpdpbusd multiplies 16 rows by 4 weights against 4 input bytes; per group
// and input, the integer sum (exact) times scale · d_x plus min · d_x·Σq_x. The unpacking costs
// one pass over the task's rows, against n inputs' worth of products: a prompt's kernel, not a
// decode one (decode reads the blocks in place, or 8-row panels repacked at load).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/parallel.h"

namespace gemmakit {

struct MatrixView;

// Columns per (scale, min) group of `dtype` in the affine form, or 0 when it has none.
size_t U8GroupSize(DType dtype);

// Rows of `dtype` blocks (row_stride bytes apart) unpacked to the affine form: u[r * cols + c],
// scale[r * groups + g], min[r * groups + g] with groups = cols / U8GroupSize(dtype); value =
// scale · u + min (as dequantize.cc computes it, to float rounding). The scalar definition; the
// tests hold it to ConvertToF32.
void UnpackRowsU8(DType dtype, const uint8_t* rows, size_t row_stride, size_t n_rows, size_t cols, uint8_t* u,
                  float* scale, float* min);

// The same with AVX2 for the types of the common presets (Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K), the scalar
// definition for the others: equal to it to the bit.
void UnpackRowsU8Avx2(DType dtype, const uint8_t* rows, size_t row_stride, size_t n_rows, size_t cols, uint8_t* u,
                        float* scale, float* min);

// Rows [r0, r0 + rows) of w (w.data, or its load-time panels read back as blocks) unpacked by
// UnpackRowsU8Avx2 into the calling thread's buffers, kept between calls (a prompt's would
// otherwise be fresh megabytes faulting page by page): valid until the thread's next call. Each ISA's GEMM transposes them into its own panels.
struct U8Rows {
  const uint8_t* u;
  const float* scale;
  const float* min;
};
U8Rows UnpackChunkU8Avx2(const MatrixView& w, size_t r0, size_t rows);

// Inputs quantized for the u8 panels: 8-bit values with a scale per 32 (as BlockQ8Act) and, per
// group of G, d·Σq (what the mins multiply), padded to whole tiles of inputs.
struct U8PanelInputs {
  size_t cols = 0, group = 0, n = 0;
  std::vector<int8_t> q;       // [input][cols]
  std::vector<float> d;        // [input][cols / 32]
  std::vector<float> sum;      // [input][cols / group]
  std::vector<int32_t> qsum;   // [input][cols / group]: Σq, for the offsets U8Offset folds into the integer sums
  const int8_t* quants(size_t i) const { return q.data() + i * cols; }
  const float* scales(size_t i) const { return d.data() + i * (cols / 32); }
  const float* sums(size_t i) const { return sum.data() + i * (cols / group); }
  const int32_t* qsums(size_t i) const { return qsum.data() + i * (cols / group); }
};

// The pointers a register tile of kN inputs reads, from input i0.
template <size_t kN>
struct U8InputTile {
  const int8_t* q[kN];
  const float* d[kN];
  const float* s[kN];
  const int32_t* c[kN];
  U8InputTile(const U8PanelInputs& x, size_t i0) {
    for (size_t t = 0; t < kN; ++t) {
      q[t] = x.quants(i0 + t), d[t] = x.scales(i0 + t), s[t] = x.sums(i0 + t), c[t] = x.qsums(i0 + t);
    }
  }
};
// n inputs of x (cols floats each, cols a multiple of 32 and of group); with two_terms each input
// becomes two consecutive quantized rows, its 8-bit value and the 8-bit value of the rounding
// error (QuantizeActivationsQ8Split), whose products the caller adds. Inputs split across ex.
void PackU8PanelInputs(const float* x, size_t n, size_t cols, size_t group, bool two_terms, U8PanelInputs& out,
                       Executor* ex = nullptr);

// Rows [r0, r1) of y = x · Wᵀ (y row stride w.rows) for the n packed inputs, unpacking the rows a
// chunk at a time. Requires U8GroupSize(w.dtype) and w.data or w.panels; r0 a multiple of 16.
// AVX-512 VNNI (16-row panels), AVX-VNNI and AVX2 (8-row panels; AVX2 only where U8PanelsFitAvx2).
using U8GemmFn = void (*)(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1);
void GemmU8PanelsAvx512(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1);
void GemmU8PanelsAvxVnni(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1);
void GemmU8PanelsAvx2(const MatrixView& w, const U8PanelInputs& x, size_t n, float* y, size_t r0, size_t r1);
// The largest u an unpacked `dtype` row holds (255 for types without a smaller bound).
int U8MaxQuant(DType dtype);
// Whether every u of `dtype` is under 64, as AVX2's vpmaddubsw needs (x86_avx2_u8_panels.h).
bool U8PanelsFitAvx2(DType dtype);
// For the types whose minimum is a fixed multiple of the scale, min = -offset · scale, the offset
// (Q5_0: 16, Q6_K: 32, Q3_K: 4, IQ4_NL and IQ4_XS: 128; 0 for the others): a GEMM may then start
// each integer sum at -offset · Σq of the input's group and skip the minimum's product (the value
// is scale · (u - offset)).
int U8Offset(DType dtype);

}  // namespace gemmakit
