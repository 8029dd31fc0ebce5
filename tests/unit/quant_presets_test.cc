// llama-quantize's per-tensor choices on Gemma 3 1B's shapes (hidden 1152 = 4.5 × 256, FFN 6912 =
// 27 × 256, 26 layers, 4 query heads per KV head): what its Q4_K_M file on HuggingFace holds. The
// tensor-by-tensor comparison with llama.cpp-written files is in gguf_golden_test.cc.
#include "model/quant_presets.h"

#include <gtest/gtest.h>

namespace gemmakit {
namespace {

TEST(QuantPresets, NamesAreLlamaQuantizes) {
  for (const char* name : {"q4_k_m", "Q5_K_M", "q6_k", "q3_k_m", "q2_k", "iq4_xs", "iq4_nl", "q4_1", "q5_0", "q5_1",
                           "q8_0", "q4_0", "bf16", "f16", "f32"}) {
    EXPECT_NE(FindQuantPreset(name), nullptr) << name;
  }
  EXPECT_EQ(FindQuantPreset("q4_k"), nullptr);  // a type, not a preset
  EXPECT_EQ(FindQuantPreset("q4_k_m")->file_type, 15u);
  EXPECT_EQ(FindQuantPreset("iq4_xs")->file_type, 30u);
}

TEST(QuantPresets, Gemma3_1BQ4_K_M) {
  const QuantPreset& p = *FindQuantPreset("q4_k_m");
  const PresetModel m{26, 4, true};
  // Rows of 1152: Q4_K falls back to Q5_0, Q6_K to Q8_0; the tied embedding is Q8_0.
  EXPECT_EQ(PresetMatrixType(p, MatrixRole::kTokenEmbedding, 0, 1152, m), DType::kQ8_0);
  EXPECT_EQ(PresetMatrixType(p, MatrixRole::kAttnQ, 5, 1152, m), DType::kQ5_0);
  EXPECT_EQ(PresetMatrixType(p, MatrixRole::kAttnV, 0, 1152, m), DType::kQ8_0);  // use_more_bits: Q6_K → Q8_0
  EXPECT_EQ(PresetMatrixType(p, MatrixRole::kAttnV, 4, 1152, m), DType::kQ5_0);
  // ffn_down's rows hold 6912 values: real K-quants, Q6_K on layers 0-2, 5, 8, ..., 23-25.
  for (int layer = 0; layer < 26; ++layer) {
    const bool more = layer < 3 || layer >= 22 || (layer - 3) % 3 == 2;
    EXPECT_EQ(PresetMatrixType(p, MatrixRole::kFfnDown, layer, 6912, m), more ? DType::kQ6_K : DType::kQ4_K) << layer;
  }
}

TEST(QuantPresets, MixRulesOnRowsOf256) {
  const PresetModel m{4, 4, true};
  const auto type = [&](const char* preset, MatrixRole role, int layer) {
    return PresetMatrixType(*FindQuantPreset(preset), role, layer, 256, m);
  };
  EXPECT_EQ(type("q2_k", MatrixRole::kAttnQ, 0), DType::kQ2_K);
  EXPECT_EQ(type("q2_k", MatrixRole::kAttnV, 0), DType::kQ4_K);  // 4 query heads per KV head
  EXPECT_EQ(type("q2_k", MatrixRole::kFfnDown, 3), DType::kQ3_K);
  EXPECT_EQ(type("q2_k", MatrixRole::kAttnOutput, 1), DType::kQ3_K);
  EXPECT_EQ(type("q3_k_m", MatrixRole::kAttnV, 1), DType::kQ5_K);
  EXPECT_EQ(type("q3_k_m", MatrixRole::kAttnV, 2), DType::kQ4_K);
  EXPECT_EQ(type("iq4_xs", MatrixRole::kAttnV, 2), DType::kQ5_K);
  EXPECT_EQ(type("iq4_xs", MatrixRole::kFfnGate, 2), DType::kIQ4_XS);
  EXPECT_EQ(type("q4_0", MatrixRole::kTokenEmbedding, 0), DType::kQ6_K);
  EXPECT_EQ(type("q8_0", MatrixRole::kTokenEmbedding, 0), DType::kQ8_0);
  EXPECT_EQ(type("bf16", MatrixRole::kFfnDown, 0), DType::kBF16);
  // Rows of 48: no 32-element type fits, so F16.
  EXPECT_EQ(PresetMatrixType(*FindQuantPreset("q4_k_m"), MatrixRole::kAttnQ, 0, 48, m), DType::kF16);
}

}  // namespace
}  // namespace gemmakit
