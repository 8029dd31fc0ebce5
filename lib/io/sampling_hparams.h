// The sampling a checkpoint recommends, independent of the file that says it: a HuggingFace
// folder's generation_config.json (io/generation_config.h) or llama.cpp's general.sampling.* keys
// in a GGUF file (io/gguf_sampling.h). The runtime lays these over its own defaults, so a field
// stays empty where the checkpoint does not decide it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gemmakit {

struct SamplingHParams {
  std::optional<float> temperature;      // >= 0; 0: greedy
  std::optional<int32_t> top_k;          // >= 0; 0: off
  std::optional<float> top_p;            // in (0, 1]; 1: off
  std::optional<float> min_p;            // in [0, 1]; 0: off
  std::optional<float> repeat_penalty;   // > 0; 1: off
  std::optional<int32_t> repeat_last_n;  // >= 0, or -1: every token of the sequence
  // A recommendation is advice, not the model: a value out of range or of the wrong type is left
  // out (one message each here, which the model logs as a warning) and never fails the load, as
  // transformers and llama.cpp both load such checkpoints.
  std::vector<std::string> ignored;
};

enum class SamplingSetting : int32_t { kTemperature, kTopK, kTopP, kMinP, kRepeatPenalty, kRepeatLastN };

// Integer fields (top_k, repeat_last_n) take only whole numbers.
bool IsWholeNumberSetting(SamplingSetting field);
// Stores v in the field when the sampler can take it and returns ""; otherwise leaves the field
// alone and returns what the field accepts ("an integer >= 0", ...).
std::string SetSampling(SamplingHParams& s, SamplingSetting field, double v);
std::optional<double> GetSampling(const SamplingHParams& s, SamplingSetting field);

}  // namespace gemmakit
