#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "gemmakit/sampling.h"
#include "gemmakit/status.h"

namespace gemmakit {

namespace {
uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Rng::Seed(uint64_t seed) {
  for (uint64_t& s : state) s = SplitMix64(seed);
}

uint64_t Rng::Next() {
  const uint64_t result = Rotl(state[1] * 5, 7) * 9;
  const uint64_t t = state[1] << 17;
  state[2] ^= state[0];
  state[3] ^= state[1];
  state[1] ^= state[2];
  state[0] ^= state[3];
  state[2] ^= t;
  state[3] = Rotl(state[3], 45);
  return result;
}

double Rng::Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }

void ValidateSamplingParams(const SamplingParams& p) {
  if (!(p.temperature >= 0.f) || !std::isfinite(p.temperature)) Fail(Status::kInvalidArgument, "temperature must be >= 0");
  if (p.top_k < 0) Fail(Status::kInvalidArgument, "top_k must be >= 0");
  if (!(p.top_p > 0.f && p.top_p <= 1.f)) Fail(Status::kInvalidArgument, "top_p must be in (0, 1]");
  if (!(p.min_p >= 0.f && p.min_p <= 1.f)) Fail(Status::kInvalidArgument, "min_p must be in [0, 1]");
  if (!(p.repeat_penalty > 0.f) || !std::isfinite(p.repeat_penalty)) Fail(Status::kInvalidArgument, "repeat_penalty must be > 0");
  if (p.repeat_last_n < 0) Fail(Status::kInvalidArgument, "repeat_last_n must be >= 0");
  for (const LogitBias& b : p.logit_bias) {
    if (std::isnan(b.bias) || b.bias == INFINITY) Fail(Status::kInvalidArgument, "a logit bias must be a number or -infinity");
  }
  if (int{!p.grammar.empty()} + int{!p.json_schema.empty()} + int{p.json_mode} > 1) {
    Fail(Status::kInvalidArgument, "at most one of grammar, json_schema and json_mode may be set");
  }
  if (!p.grammar.empty() && p.grammar_root.empty()) Fail(Status::kInvalidArgument, "grammar_root is empty");
}

int32_t SampleToken(const float* logits, int32_t vocab, const SamplingParams& p, const std::vector<int32_t>& recent,
                    Rng& rng) {
  std::vector<float> l(logits, logits + vocab);
  if (p.repeat_penalty != 1.f && p.repeat_last_n > 0) {
    const size_t n = std::min(recent.size(), static_cast<size_t>(p.repeat_last_n));
    std::unordered_set<int32_t> seen(recent.end() - static_cast<std::ptrdiff_t>(n), recent.end());
    for (int32_t t : seen) {
      if (t < 0 || t >= vocab) continue;
      l[t] = l[t] > 0 ? l[t] / p.repeat_penalty : l[t] * p.repeat_penalty;
    }
  }
  if (p.temperature == 0.f) {
    return static_cast<int32_t>(std::max_element(l.begin(), l.end()) - l.begin());
  }
  // Candidates by descending logit (stable: equal logits keep id order).
  std::vector<int32_t> idx(static_cast<size_t>(vocab));
  std::iota(idx.begin(), idx.end(), 0);
  const auto by_logit = [&](int32_t a, int32_t b) { return l[a] > l[b] || (l[a] == l[b] && a < b); };
  size_t keep = idx.size();
  if (p.top_k > 0 && static_cast<size_t>(p.top_k) < keep) {
    keep = static_cast<size_t>(p.top_k);
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(keep), idx.end(), by_logit);
  } else {
    std::sort(idx.begin(), idx.end(), by_logit);
  }
  std::vector<double> prob(keep);
  const double max_l = l[idx[0]] / p.temperature;
  double sum = 0;
  for (size_t i = 0; i < keep; ++i) sum += prob[i] = std::exp(l[idx[i]] / p.temperature - max_l);
  for (double& q : prob) q /= sum;
  if (p.top_p < 1.f) {
    double cum = 0;
    size_t cut = keep;
    for (size_t i = 0; i < keep; ++i) {
      cum += prob[i];
      if (cum >= p.top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
  }
  if (p.min_p > 0.f) {
    const double floor = p.min_p * prob[0];
    size_t cut = 1;
    while (cut < keep && prob[cut] >= floor) ++cut;
    keep = cut;
  }
  double total = 0;
  for (size_t i = 0; i < keep; ++i) total += prob[i];
  double r = rng.Uniform() * total;
  for (size_t i = 0; i < keep; ++i) {
    r -= prob[i];
    if (r < 0) return idx[i];
  }
  // Rounding left r above zero: the last candidate that can be drawn (tokens masked to
  // -infinity have probability 0 and never are).
  for (size_t i = keep; i-- > 1;) {
    if (prob[i] > 0) return idx[i];
  }
  return idx[0];
}

}  // namespace gemmakit
