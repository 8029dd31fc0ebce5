#include "io/sampling_hparams.h"

#include <climits>
#include <cmath>

namespace gemmakit {
namespace {

bool WholeIn(double v, double lo) { return std::isfinite(v) && v == std::floor(v) && v >= lo && v <= INT32_MAX; }

}  // namespace

bool IsWholeNumberSetting(SamplingSetting field) {
  return field == SamplingSetting::kTopK || field == SamplingSetting::kRepeatLastN;
}

std::string SetSampling(SamplingHParams& s, SamplingSetting field, double v) {
  // The ranges ValidateSamplingParams enforces, so that a recommendation never fails a generation.
  switch (field) {
    case SamplingSetting::kTemperature:
      if (!(std::isfinite(v) && v >= 0)) return "a number >= 0";
      s.temperature = static_cast<float>(v);
      return "";
    case SamplingSetting::kTopK:
      if (!WholeIn(v, 0)) return "an integer >= 0";
      s.top_k = static_cast<int32_t>(v);
      return "";
    case SamplingSetting::kTopP:
      if (!(v > 0 && v <= 1)) return "a number in (0, 1]";
      s.top_p = static_cast<float>(v);
      return "";
    case SamplingSetting::kMinP:
      if (!(v >= 0 && v <= 1)) return "a number in [0, 1]";
      s.min_p = static_cast<float>(v);
      return "";
    case SamplingSetting::kRepeatPenalty:
      // Also a float's range: a double that rounds to infinity would fail every draw.
      if (!(std::isfinite(v) && v > 0 && v <= 3.4e38)) return "a number > 0";
      s.repeat_penalty = static_cast<float>(v);
      return "";
    case SamplingSetting::kRepeatLastN:
      if (!WholeIn(v, -1)) return "an integer >= -1";
      s.repeat_last_n = static_cast<int32_t>(v);
      return "";
  }
  return "a known field";
}

std::optional<double> GetSampling(const SamplingHParams& s, SamplingSetting field) {
  auto as_double = [](const auto& o) -> std::optional<double> {
    if (!o) return std::nullopt;
    return static_cast<double>(*o);
  };
  switch (field) {
    case SamplingSetting::kTemperature:
      return as_double(s.temperature);
    case SamplingSetting::kTopK:
      return as_double(s.top_k);
    case SamplingSetting::kTopP:
      return as_double(s.top_p);
    case SamplingSetting::kMinP:
      return as_double(s.min_p);
    case SamplingSetting::kRepeatPenalty:
      return as_double(s.repeat_penalty);
    case SamplingSetting::kRepeatLastN:
      return as_double(s.repeat_last_n);
  }
  return std::nullopt;
}

}  // namespace gemmakit
