// Quantization to and dequantization from ggml's block types (see blocks.h). n is a multiple of
// the type's block size. Quantizers follow ggml's reference rounding for Q8_0 and Q4_0 (so files
// match llama.cpp's bit for bit) and a plain min/max fit for the K-quants.
#pragma once

#include <cstddef>

namespace gemmakit {

void DequantizeQ8_0(const void* src, float* dst, size_t n);
void DequantizeQ4_0(const void* src, float* dst, size_t n);
void DequantizeQ4_K(const void* src, float* dst, size_t n);
void DequantizeQ5_K(const void* src, float* dst, size_t n);
void DequantizeQ6_K(const void* src, float* dst, size_t n);

void QuantizeQ8_0(const float* src, void* dst, size_t n);
void QuantizeQ4_0(const float* src, void* dst, size_t n);
void QuantizeQ4_K(const float* src, void* dst, size_t n);
void QuantizeQ5_K(const float* src, void* dst, size_t n);
void QuantizeQ6_K(const float* src, void* dst, size_t n);

}  // namespace gemmakit
