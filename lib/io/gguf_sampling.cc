#include "io/gguf_sampling.h"

#include <cstdio>

namespace gemmakit {
namespace {

struct GgufSamplingKey {
  const char* key;
  SamplingSetting field;
};

constexpr GgufSamplingKey kKeys[] = {
    {"general.sampling.temp", SamplingSetting::kTemperature},
    {"general.sampling.top_k", SamplingSetting::kTopK},
    {"general.sampling.top_p", SamplingSetting::kTopP},
    {"general.sampling.min_p", SamplingSetting::kMinP},
    {"general.sampling.penalty_repeat", SamplingSetting::kRepeatPenalty},
    {"general.sampling.penalty_last_n", SamplingSetting::kRepeatLastN},
};

// Any numeric type: llama.cpp reads these keys through their text, so it takes an integer
// temperature or a whole float top_k too (SetSampling still wants whole numbers there).
std::optional<double> Number(const GgufValue& v) {
  switch (v.type) {
    case GgufType::kUint8:
    case GgufType::kUint16:
    case GgufType::kUint32:
    case GgufType::kUint64:
      return static_cast<double>(v.u);
    case GgufType::kInt8:
    case GgufType::kInt16:
    case GgufType::kInt32:
    case GgufType::kInt64:
      return static_cast<double>(v.i);
    case GgufType::kFloat32:
    case GgufType::kFloat64:
      return v.f;
    default:
      return std::nullopt;
  }
}

}  // namespace

SamplingHParams ReadGgufSampling(const GgufFile& file) {
  SamplingHParams s;
  for (const GgufSamplingKey& k : kKeys) {
    const GgufValue* v = file.Find(k.key);
    if (!v) continue;
    const std::optional<double> n = Number(*v);
    const std::string why = n ? SetSampling(s, k.field, *n) : "a number";
    if (why.empty()) continue;
    char value[32] = "of another type";
    if (n) std::snprintf(value, sizeof value, "%.9g", *n);
    s.ignored.push_back(std::string("GGUF key ") + k.key + " is " + value + ", not " + why + ": ignored");
  }
  return s;
}

void WriteGgufSampling(const SamplingHParams& s, GgufWriter& w) {
  for (const GgufSamplingKey& k : kKeys) {
    const std::optional<double> v = GetSampling(s, k.field);
    if (!v) continue;
    if (IsWholeNumberSetting(k.field)) {
      w.SetInt32(k.key, static_cast<int32_t>(*v));
    } else {
      w.SetFloat32(k.key, static_cast<float>(*v));
    }
  }
}

}  // namespace gemmakit
