// Quantization to and dequantization from ggml's block types (see blocks.h). n is a multiple of
// the type's block size. Quantizers follow what llama-quantize runs without an importance matrix
// (ggml's reference quantizers and searches), so blocks match llama.cpp's files.
#pragma once

#include <cstddef>

namespace gemmakit {

void DequantizeQ8_0(const void* src, float* dst, size_t n);
void DequantizeQ4_0(const void* src, float* dst, size_t n);
void DequantizeQ4_1(const void* src, float* dst, size_t n);
void DequantizeQ5_0(const void* src, float* dst, size_t n);
void DequantizeQ5_1(const void* src, float* dst, size_t n);
void DequantizeIQ4_NL(const void* src, float* dst, size_t n);
void DequantizeIQ4_XS(const void* src, float* dst, size_t n);
void DequantizeQ2_K(const void* src, float* dst, size_t n);
void DequantizeQ3_K(const void* src, float* dst, size_t n);
void DequantizeQ4_K(const void* src, float* dst, size_t n);
void DequantizeQ5_K(const void* src, float* dst, size_t n);
void DequantizeQ6_K(const void* src, float* dst, size_t n);

void QuantizeQ8_0(const float* src, void* dst, size_t n);
void QuantizeQ4_0(const float* src, void* dst, size_t n);
void QuantizeQ4_1(const float* src, void* dst, size_t n);
void QuantizeQ5_0(const float* src, void* dst, size_t n);
void QuantizeQ5_1(const float* src, void* dst, size_t n);
void QuantizeIQ4_NL(const float* src, void* dst, size_t n);
void QuantizeIQ4_XS(const float* src, void* dst, size_t n);
void QuantizeQ2_K(const float* src, void* dst, size_t n);
void QuantizeQ3_K(const float* src, void* dst, size_t n);
void QuantizeQ4_K(const float* src, void* dst, size_t n);
void QuantizeQ5_K(const float* src, void* dst, size_t n);
void QuantizeQ6_K(const float* src, void* dst, size_t n);

}  // namespace gemmakit
