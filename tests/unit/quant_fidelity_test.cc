// Fidelity of quantized weights on every golden, measured two ways:
// 1. The kernels: the fast path (8-bit activations, integer dot products) against exact float32
//    math on the same quantized weights. This is what gemmakit adds on top of the file's own
//    quantization. At the default precision, Q8_0 / Q4_0 products take their activations as two
//    8-bit terms: measured KL ≤ 9.5e-8, top-1 ≥ 0.991, max |Δlogit| ≤ 0.004 on every golden,
//    asserted at KL ≤ 1e-6, top-1 ≥ 0.98. Fast precision takes one term, as llama.cpp does: on
//    the *-tiny goldens KL 1e-5…5e-4, top-1 0.97…1.0 (llama.cpp: KL ≤ 5e-4, top-1 ≥ 0.985),
//    asserted at KL ≤ 1e-3, top-1 ≥ 0.96; the *-mini goldens react ~10× more to the same rounding
//    (KL ≤ 6.2e-3, top-1 ≥ 0.88, moving by ~0.01 with the kernel's summation order), asserted at
//    KL ≤ 1e-2, top-1 ≥ 0.85.
// 2. The weights: quantize-on-load against the reference's float32 logits. These random-weight
//    goldens are far more sensitive than trained models (hidden 64–96, large logits): measured
//    Q8_0 mean KL 1e-5…6e-3 with top-1 ≥ 0.90, Q4_0 up to ~1. Asserted loosely for Q8_0, and Q4_0
//    only reported, with Q8_0 required to be the closer of the two.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "gemmakit/session.h"
#include "kernels/matmul.h"
#include "test_util.h"

namespace gemmakit {
namespace {

struct Metrics {
  double max_abs = 0, kl_sum = 0;
  size_t positions = 0, top1_same = 0;
};

void Accumulate(const float* got, const float* want, size_t vocab, Metrics& m) {
  double max_g = -INFINITY, max_w = -INFINITY;
  size_t arg_g = 0, arg_w = 0;
  for (size_t v = 0; v < vocab; ++v) {
    m.max_abs = std::max(m.max_abs, static_cast<double>(std::fabs(got[v] - want[v])));
    if (got[v] > max_g) max_g = got[v], arg_g = v;
    if (want[v] > max_w) max_w = want[v], arg_w = v;
  }
  double zg = 0, zw = 0;
  for (size_t v = 0; v < vocab; ++v) {
    zg += std::exp(got[v] - max_g);
    zw += std::exp(want[v] - max_w);
  }
  double kl = 0;  // KL(reference ‖ quantized)
  for (size_t v = 0; v < vocab; ++v) {
    const double lw = want[v] - max_w - std::log(zw), lg = got[v] - max_g - std::log(zg);
    kl += std::exp(lw) * (lw - lg);
  }
  m.kl_sum += kl;
  m.top1_same += arg_g == arg_w;
  ++m.positions;
}

struct FidelityCase {
  const char* model;
  const char* type;
};

class QuantFidelity : public ::testing::TestWithParam<FidelityCase> {};

Metrics Measure(const std::string& dir, const char* type, bool reference_kernels,
                const std::vector<std::vector<float>>* want_override = nullptr,
                std::vector<std::vector<float>>* logits_out = nullptr, Precision precision = Precision::kExact) {
  LoadOptions lo;
  lo.weight_type = type;
  lo.precision = precision;
  auto model = Model::Load(dir, lo);
  const nlohmann::json g = nlohmann::json::parse(test::ReadFile(dir + "/golden.json"));
  Metrics m;
  SetReferenceMatMul(reference_kernels);
  size_t ci = 0;
  for (const auto& c : g["cases"]) {
    Session s(model);
    const auto ids = c["ids"].get<std::vector<int32_t>>();
    s.Evaluate(ids, true);
    const size_t vocab = static_cast<size_t>(model->info().vocab_size);
    const std::vector<float> want =
        want_override ? (*want_override)[ci] : test::ReadF32File(dir + "/" + c["logits_file"].get<std::string>());
    EXPECT_EQ(want.size(), ids.size() * vocab);
    if (logits_out) logits_out->emplace_back(s.logits(0), s.logits(0) + ids.size() * vocab);
    for (size_t p = 0; p < ids.size() && want.size() == ids.size() * vocab; ++p) {
      Accumulate(s.logits(p), want.data() + p * vocab, vocab, m);
    }
    ++ci;
  }
  SetReferenceMatMul(false);
  return m;
}

double Top1(const Metrics& m) { return static_cast<double>(m.top1_same) / static_cast<double>(m.positions); }
double MeanKl(const Metrics& m) { return m.kl_sum / static_cast<double>(m.positions); }

TEST_P(QuantFidelity, KernelsMatchExactMathOnTheSameWeights) {
  const auto [model_name, type] = GetParam();
  const std::string dir = test::DataPath(model_name);
  std::vector<std::vector<float>> exact;
  Measure(dir, type, /*reference_kernels=*/true, nullptr, &exact);
  const Metrics m = Measure(dir, type, /*reference_kernels=*/false, &exact);
  const Metrics fast = Measure(dir, type, /*reference_kernels=*/false, &exact, nullptr, Precision::kFast);
  for (const auto& [label, mm] : {std::pair<const char*, const Metrics&>{"kernels ", m}, {"k. fast ", fast}}) {
    std::printf("[%s] %-20s %-5s max|dlogit| %.3g  top-1 %.4f  mean KL %.3g\n", label, model_name, type, mm.max_abs,
                Top1(mm), MeanKl(mm));
  }
  EXPECT_GE(Top1(m), 0.98);
  EXPECT_LT(MeanKl(m), 1e-6);
  const bool mini = std::string(model_name).find("mini") != std::string::npos;
  EXPECT_GE(Top1(fast), mini ? 0.85 : 0.96);
  EXPECT_LT(MeanKl(fast), mini ? 1e-2 : 1e-3);
}

TEST_P(QuantFidelity, WeightsAgainstFloatReference) {
  const auto [model_name, type] = GetParam();
  const std::string dir = test::DataPath(model_name);
  const Metrics m = Measure(dir, type, false);
  std::printf("[weights ] %-20s %-5s max|dlogit| %.3g  top-1 %.4f  mean KL %.3g\n", model_name, type, m.max_abs,
              Top1(m), MeanKl(m));
  if (std::string(type) == "q8_0") {
    EXPECT_GE(Top1(m), 0.85);
    EXPECT_LT(MeanKl(m), 0.02);
    const Metrics m4 = Measure(dir, "q4_0", false);
    EXPECT_LT(MeanKl(m), MeanKl(m4));
  }
}

// Precision::kFast rounds activations to bf16 against BF16 weights and runs prompt attention as
// bf16 block products (AVX512_BF16 CPUs; elsewhere it is exact). Measured against the reference's
// float32 logits: tiny goldens KL ≤ 4.6e-5, top-1 ≥ 0.994; mini goldens KL ≤ 6.4e-4, top-1
// ≥ 0.955 (max |Δlogit| 0.063 and 0.34), the same order as the 8-bit activations of Q8_0
// kernels. Hence opt-in: the default stays exact.
TEST(FastPrecision, BF16ActivationsAgainstFloatReference) {
  for (const char* model_name : {"gemma1-tiny", "gemma3-tiny", "gemma1-mini", "gemma2-mini", "gemma3-mini"}) {
    const Metrics m = Measure(test::DataPath(model_name), "", false, nullptr, nullptr, Precision::kFast);
    std::printf("[fast    ] %-20s bf16  max|dlogit| %.3g  top-1 %.4f  mean KL %.3g\n", model_name, m.max_abs, Top1(m),
                MeanKl(m));
    const bool mini = std::string(model_name).find("mini") != std::string::npos;
    EXPECT_GE(Top1(m), 0.9) << model_name;
    EXPECT_LT(MeanKl(m), mini ? 1e-3 : 1e-4) << model_name;
  }
}

std::vector<FidelityCase> Cases() {
  std::vector<FidelityCase> out;
  for (const char* m : {"gemma1-tiny", "gemma2-tiny", "gemma3-tiny", "gemma3-tiny-scaled", "gemma1-mini", "gemma2-mini",
                        "gemma3-mini", "gemma3-mini-scaled"}) {
    for (const char* t : {"q8_0", "q4_0"}) out.push_back({m, t});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Goldens, QuantFidelity, ::testing::ValuesIn(Cases()), [](const auto& info) {
  std::string name = std::string(info.param.model) + "_" + info.param.type;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
});

}  // namespace
}  // namespace gemmakit
