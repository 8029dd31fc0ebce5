// 8-bit activation blocks (kernels/quant/activation_q8.h): what QuantizeActivationsQ8 runs on this
// CPU equals the scalar definition to the bit, and the definition rounds as ggml's quantize_row_q8_0.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/quant/activation_q8.h"

namespace gemmakit {
namespace {

TEST(ActivationQ8, DispatchedEqualsTheScalarDefinitionToTheBit) {
  std::mt19937 rng(4);
  std::normal_distribution<float> dist(0.f, 3.f);
  std::vector<float> x(32 * 64);
  for (float& v : x) v = dist(rng);
  for (size_t k = 64; k < 96; ++k) x[k] = 0.f;        // an all-zero block: d = 0
  x[200] = 1e-30f;                                     // a block of tiny values but one
  for (size_t k = 96 + 5; k < 128; ++k) x[k] = -x[96 + 4];  // ties of the largest magnitude
  x[300] = 127.5f / 127.f * 2.f;                       // halves: round to even
  std::vector<BlockQ8Act> got(64), want(64);
  QuantizeActivationsQ8(x.data(), got.data(), x.size());
  QuantizeActivationsQ8Reference(x.data(), want.data(), x.size());
  for (size_t b = 0; b < 64; ++b) {
    EXPECT_EQ(std::memcmp(got[b].qs, want[b].qs, 32), 0) << b;
    EXPECT_EQ(got[b].d, want[b].d) << b;
    EXPECT_EQ(got[b].dsum, want[b].dsum) << b;
  }
  EXPECT_EQ(want[2].d, 0.f);
  for (size_t b = 0; b < 64; ++b) {
    for (int j = 0; j < 32; ++j) {
      EXPECT_EQ(want[b].qs[j], static_cast<int>(std::nearbyint(x[32 * b + j] * (want[b].d ? 1.f / want[b].d : 0.f))));
    }
  }
}

}  // namespace
}  // namespace gemmakit
