// The SIMD GeGLU variants (polynomial exp) against the std::tanh reference.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/activation.h"
#include "kernels/cpu_features.h"

namespace gemmakit {

#if defined(__x86_64__) || defined(_M_X64)
void GeGluAvx2(const float* gate, const float* up, float* out, size_t n);
void GeGluAvx512(const float* gate, const float* up, float* out, size_t n);
#endif

namespace {

TEST(GeGluSimd, MatchesReferenceOverTheWholeRange) {
  std::vector<float> gate, up;
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.f, 3.f);
  for (float v : {0.f, -0.f, 1e-8f, -1e-8f, 100.f, -100.f, 1e30f, -1e30f, 9.5f, -9.5f}) gate.push_back(v);
  for (int i = 0; i < 4093; ++i) gate.push_back(dist(rng));  // an odd count: the scalar tail runs too
  for (size_t i = 0; i < gate.size(); ++i) up.push_back(i % 3 == 0 ? 1.f : dist(rng));
  std::vector<float> want(gate.size()), got(gate.size());
  GeGluReference(gate.data(), up.data(), want.data(), gate.size());
  std::vector<void (*)(const float*, const float*, float*, size_t)> variants = {GeGlu};
#if defined(__x86_64__) || defined(_M_X64)
  if (CpuHas(Isa::kAvx2)) variants.push_back(GeGluAvx2);
  if (CpuHas(Isa::kAvx512)) variants.push_back(GeGluAvx512);
#endif
  for (auto fn : variants) {
    fn(gate.data(), up.data(), got.data(), gate.size());
    for (size_t i = 0; i < gate.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], 2e-6f * (1.f + std::fabs(want[i]))) << "gate " << gate[i] << " up " << up[i];
    }
  }
}

}  // namespace
}  // namespace gemmakit
