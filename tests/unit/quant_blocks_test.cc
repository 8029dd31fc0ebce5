// Dequantization of one hand-built block per ggml type, against values worked out by hand (the
// 32-element types) or by a line-by-line transliteration of ggml's dequantize_row_* (Q2_K, Q3_K
// with its kmask scale unpacking, IQ4_XS): the layouts are ggml's, byte for byte.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/quant/blocks.h"

namespace gemmakit {
namespace {

constexpr uint16_t kHalfF16 = 0x3800, kOneF16 = 0x3C00, kTwoF16 = 0x4000, kQuarterF16 = 0x3400, kMinusOneF16 = 0xBC00;

template <typename Block>
std::vector<float> Dequantize(DType type, const Block& b) {
  std::vector<float> y(DTypeBlockElems(type));
  EXPECT_EQ(DTypeBytes(type, y.size()), sizeof(Block)) << DTypeName(type);
  ConvertToF32(type, &b, y.data(), y.size());
  return y;
}

TEST(QuantBlocks, Q4_1IsScaleTimesNibblePlusMin) {
  BlockQ4_1 b{};
  b.d = kHalfF16;
  b.m = kMinusOneF16;
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const auto y = Dequantize(DType::kQ4_1, b);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.5f * j - 1.f) << j;
    EXPECT_EQ(y[j + 16], 0.5f * (15 - j) - 1.f) << j;
  }
}

TEST(QuantBlocks, Q5_0TakesTheFifthBitFromQhAndOffsets16) {
  BlockQ5_0 b{};
  b.d = kQuarterF16;
  const uint32_t qh = 0x0000FFFFu;  // fifth bit set for elements 0..15 only
  std::memcpy(b.qh, &qh, 4);
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | (j << 4));
  const auto y = Dequantize(DType::kQ5_0, b);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.25f * j) << j;               // (j + 16) - 16
    EXPECT_EQ(y[j + 16], 0.25f * (j - 16)) << j;   // j - 16
  }
}

TEST(QuantBlocks, Q5_1HasNoOffsetAndAMin) {
  BlockQ5_1 b{};
  b.d = kOneF16;
  b.m = kHalfF16;
  const uint32_t qh = 0x80000000u;  // element 31 only
  std::memcpy(b.qh, &qh, 4);
  std::memset(b.qs, 0xFF, sizeof b.qs);
  const auto y = Dequantize(DType::kQ5_1, b);
  for (int j = 0; j < 31; ++j) EXPECT_EQ(y[j], 15.5f) << j;
  EXPECT_EQ(y[31], 31.5f);
}

TEST(QuantBlocks, IQ4_NLLooksUpTheNonUniformTable) {
  BlockIQ4_NL b{};
  b.d = kTwoF16;
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | (j << 4));
  const auto y = Dequantize(DType::kIQ4_NL, b);
  const int table[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 2.f * table[j]) << j;
    EXPECT_EQ(y[j + 16], 2.f * table[j]) << j;
  }
}

TEST(QuantBlocks, IQ4_XSUnpacksSixBitSubBlockScales) {
  // Sub-block s has scale code 28 + 2s (low 4 bits in scales_l, high 2 in scales_h), minus 32.
  BlockIQ4_XS b{};
  b.d = kOneF16;
  const uint8_t scales_l[4] = {236, 32, 100, 168};
  std::memcpy(b.scales_l, scales_l, 4);
  b.scales_h = 0xaaa5;
  for (int s = 0; s < 8; ++s) {
    for (int j = 0; j < 16; ++j) b.qs[16 * s + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  }
  const auto y = Dequantize(DType::kIQ4_XS, b);
  EXPECT_EQ(y[0], 508.f);     // (28 - 32) · -127
  EXPECT_EQ(y[20], -152.f);
  EXPECT_EQ(y[33], 208.f);
  EXPECT_EQ(y[100], -98.f);
  EXPECT_EQ(y[255], -1270.f);  // (42 - 32) · -127
}

TEST(QuantBlocks, Q2_KAppliesFourBitScalesAndMins) {
  BlockQ2_K b{};
  b.d = kOneF16;
  b.dmin = kHalfF16;
  for (int k = 0; k < 16; ++k) b.scales[k] = static_cast<uint8_t>((k & 0xF) | ((15 - k) << 4));
  for (int k = 0; k < 64; ++k) b.qs[k] = static_cast<uint8_t>((k * 7 + 3) & 0xFF);
  const auto y = Dequantize(DType::kQ2_K, b);
  EXPECT_EQ(y[0], -7.5f);
  EXPECT_EQ(y[17], -5.f);
  EXPECT_EQ(y[40], -2.5f);
  EXPECT_EQ(y[100], -4.5f);
  EXPECT_EQ(y[130], 4.5f);
  EXPECT_EQ(y[255], 30.f);
}

TEST(QuantBlocks, Q3_KUnpacksSixBitScalesAndTheHighBitMask) {
  // Scale codes 4j (j = 0..15), packed as ggml packs them.
  BlockQ3_K b{};
  b.d = kHalfF16;
  const uint8_t scales[12] = {0, 68, 136, 204, 0, 68, 136, 204, 228, 228, 228, 228};
  std::memcpy(b.scales, scales, 12);
  for (int k = 0; k < 32; ++k) b.hmask[k] = static_cast<uint8_t>((k * 37) & 0xFF);
  for (int k = 0; k < 64; ++k) b.qs[k] = static_cast<uint8_t>((k * 11) & 0xFF);
  int8_t unpacked[16];
  UnpackScalesQ3K(b.scales, unpacked);
  for (int j = 0; j < 16; ++j) EXPECT_EQ(unpacked[j], 4 * j - 32) << j;
  const auto y = Dequantize(DType::kQ3_K, b);
  EXPECT_EQ(y[0], 64.f);
  EXPECT_EQ(y[17], -42.f);
  EXPECT_EQ(y[40], 24.f);
  EXPECT_EQ(y[100], 16.f);
  EXPECT_EQ(y[130], 0.f);
  EXPECT_EQ(y[200], -8.f);
  EXPECT_EQ(y[255], -28.f);
}

}  // namespace
}  // namespace gemmakit
