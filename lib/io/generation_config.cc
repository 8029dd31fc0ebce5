#include "io/generation_config.h"

#include <nlohmann/json.hpp>

#include "gemmakit/status.h"
#include "io/mapped_file.h"

namespace gemmakit {
namespace {

using nlohmann::json;

constexpr const char kFile[] = "generation_config.json";

// Each key with the value GenerationConfig.__init__ gives it when the file leaves it out, and
// the value at which its step does nothing (what transformers does with None).
struct HfSamplingKey {
  const char* key;
  SamplingSetting field;
  double transformers_default;
  double off;
};

constexpr HfSamplingKey kKeys[] = {
    {"temperature", SamplingSetting::kTemperature, 1.0, 1.0},
    {"top_k", SamplingSetting::kTopK, 50, 0},
    {"top_p", SamplingSetting::kTopP, 1.0, 1.0},
    {"min_p", SamplingSetting::kMinP, 0, 0},  // None by default: no min-p step
    {"repetition_penalty", SamplingSetting::kRepeatPenalty, 1.0, 1.0},
};

// Why the value of k cannot be taken ("" when it was stored).
std::string Take(SamplingHParams& s, const HfSamplingKey& k, const json& v) {
  if (v.is_null()) return SetSampling(s, k.field, k.off);
  const bool integer = IsWholeNumberSetting(k.field);
  // transformers refuses a top_k of 64.0 as it refuses -1 (TopKLogitsWarper wants an int).
  if (!v.is_number() || (integer && !v.is_number_integer())) return integer ? "an integer" : "a number";
  return SetSampling(s, k.field, v.get<double>());
}

}  // namespace

SamplingHParams ParseGenerationConfig(const std::string& text) {
  SamplingHParams s;
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    s.ignored.push_back(std::string(kFile) + " is not a JSON object: its sampling settings are ignored");
    return s;
  }
  bool do_sample = false;  // GenerationConfig's default
  if (auto it = j.find("do_sample"); it != j.end()) {
    // Without it the mode is unknown, and every other field depends on the mode.
    if (!it->is_boolean()) {
      s.ignored.push_back(std::string(kFile) + ": 'do_sample' is " + it->dump() +
                          ", not true or false: its sampling settings are ignored");
      return s;
    }
    do_sample = it->get<bool>();
  }
  for (const HfSamplingKey& k : kKeys) {
    auto it = j.find(k.key);
    if (it != j.end()) {
      const std::string why = Take(s, k, *it);
      if (why.empty()) continue;
      s.ignored.push_back(std::string(kFile) + ": '" + k.key + "' is " + it->dump() + ", not " + why + ": ignored");
    }
    // Left out (or ignored): what transformers would sample with. Greedy decoding reads none of
    // these, so the caller's own defaults stay for the day sampling is switched on.
    if (do_sample) SetSampling(s, k.field, k.transformers_default);
  }
  if (!do_sample) s.temperature = 0.f;
  // transformers penalizes every earlier token of the sequence, the prompt's included.
  if (s.repeat_penalty && *s.repeat_penalty != 1.f) s.repeat_last_n = -1;
  return s;
}

SamplingHParams ReadGenerationConfig(const std::string& dir) {
  const std::string path = JoinPath(dir, kFile);
  if (!FileExists(path)) return {};
  try {
    return ParseGenerationConfig(ReadTextFile(path, 1u << 20));
  } catch (const Error& e) {
    SamplingHParams s;
    s.ignored.push_back(std::string(e.what()) + ": the folder's sampling settings are ignored");
    return s;
  }
}

}  // namespace gemmakit
