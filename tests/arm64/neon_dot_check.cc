// The NEON dot kernels against the scalar ones, on random rows of every length class (whole
// vectors, tails, one element): run under qemu-aarch64 by scripts/check-arm64.sh, since no ARM64
// machine is at hand. Links only the kernels, so it builds without the library's dependencies.
// Exits 1 on the first disagreement beyond float rounding.
#include <sys/auxv.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "kernels/dtype.h"
#include "kernels/matmul/dot_kernels.h"
#include "kernels/quant/activation_q8.h"
#include "kernels/quant/quant.h"

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif

namespace gemmakit {
const DotKernels* NeonDotKernelsImpl();
const DotKernels* NeonDotprodDotKernelsImpl();
}  // namespace gemmakit

using namespace gemmakit;

namespace {

int failures = 0;

void Expect(const char* table, const char* what, size_t n, float got, float want) {
  const float tol = 1e-4f * (1.f + std::fabs(want)) * std::sqrt(static_cast<float>(n) + 1.f);
  if (!(std::fabs(got - want) <= tol)) {
    std::printf("FAIL %s %s n=%zu: %.7g vs scalar %.7g\n", table, what, n, got, want);
    ++failures;
  }
}

void Check(const DotKernels& k) {
  const DotKernels& ref = ScalarDotKernels();
  std::mt19937 rng(5);
  std::normal_distribution<float> dist(0.f, 1.f);
  for (size_t n : {1u, 7u, 16u, 31u, 64u, 100u, 1152u}) {
    std::vector<float> w(n), x(n);
    for (float& v : w) v = dist(rng);
    for (float& v : x) v = dist(rng);
    std::vector<uint16_t> b(n), h(n);
    for (size_t i = 0; i < n; ++i) {
      b[i] = F32ToBF16(w[i]);
      h[i] = F32ToF16(w[i]);
    }
    Expect(k.isa, "f32", n, k.f32(w.data(), x.data(), n), ref.f32(w.data(), x.data(), n));
    Expect(k.isa, "bf16", n, k.bf16(b.data(), x.data(), n), ref.bf16(b.data(), x.data(), n));
    Expect(k.isa, "f16", n, k.f16(h.data(), x.data(), n), ref.f16(h.data(), x.data(), n));
  }
  for (size_t nb : {1u, 3u, 36u}) {
    const size_t n = nb * 32;
    std::vector<float> w(n), x(n);
    for (float& v : w) v = dist(rng);
    for (float& v : x) v = dist(rng);
    std::vector<BlockQ8_0> q8(nb);
    std::vector<BlockQ4_0> q4(nb);
    ConvertFromF32(DType::kQ8_0, w.data(), q8.data(), n);
    ConvertFromF32(DType::kQ4_0, w.data(), q4.data(), n);
    std::vector<BlockQ8Act> xq(nb);
    QuantizeActivationsQ8(x.data(), xq.data(), n);
    // Integer sums are exact: the results may differ only in the float scaling's rounding.
    Expect(k.isa, "q8_0", n, k.q8_0(q8.data(), xq.data(), nb), ref.q8_0(q8.data(), xq.data(), nb));
    Expect(k.isa, "q4_0", n, k.q4_0(q4.data(), xq.data(), nb), ref.q4_0(q4.data(), xq.data(), nb));
  }
}

}  // namespace

int main() {
  Check(*NeonDotKernelsImpl());
  const bool dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
  if (dotprod) Check(*NeonDotprodDotKernelsImpl());
  std::printf("%s: neon%s, %d failures\n", failures ? "FAIL" : "ok", dotprod ? " and neon-dotprod" : " (no sdot on this CPU)",
              failures);
  return failures ? 1 : 0;
}
