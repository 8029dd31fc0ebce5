// Where a gemmakit program's sampling settings come from, by llama-cli's rule: an option the user
// gave wins; else the model's recommendation (generation_config.json, a GGUF file's
// general.sampling.*); else the program's own default. Shared by the CLI and gemmakit-serve, whose
// options carry the same names. Header-only: both are clients of the C API alone.
#pragma once

#include <cstdint>

#include "gemmakit.h"

namespace gemmakit_app {

// The command-line options that set a sampling field, with its GEMMAKIT_SAMPLING_* bit.
struct SamplingOption {
  const char* name;
  int32_t bit;
};
inline constexpr SamplingOption kSamplingOptions[] = {
    {"temperature", GEMMAKIT_SAMPLING_TEMPERATURE},
    {"top-k", GEMMAKIT_SAMPLING_TOP_K},
    {"top-p", GEMMAKIT_SAMPLING_TOP_P},
    {"min-p", GEMMAKIT_SAMPLING_MIN_P},
    {"repeat-penalty", GEMMAKIT_SAMPLING_REPEAT_PENALTY},
    {"repeat-last-n", GEMMAKIT_SAMPLING_REPEAT_LAST_N},
};

// Replaces the fields of params that the model recommends, except those in user_set
// (GEMMAKIT_SAMPLING_* bits of the options the user gave). False when the library refuses
// (gemmakit_last_error says why).
inline bool TakeModelSampling(const gemmakit_model* model, int32_t user_set, gemmakit_sampling_params& params) {
  gemmakit_model_info info{};
  info.struct_size = sizeof info;
  gemmakit_sampling_params recommended;
  if (gemmakit_model_get_info(model, &info) != GEMMAKIT_OK ||
      gemmakit_sampling_params_from_model(model, &recommended, sizeof recommended) != GEMMAKIT_OK) {
    return false;
  }
  const int32_t take = info.recommended_sampling & ~user_set;
  if (take & GEMMAKIT_SAMPLING_TEMPERATURE) params.temperature = recommended.temperature;
  if (take & GEMMAKIT_SAMPLING_TOP_K) params.top_k = recommended.top_k;
  if (take & GEMMAKIT_SAMPLING_TOP_P) params.top_p = recommended.top_p;
  if (take & GEMMAKIT_SAMPLING_MIN_P) params.min_p = recommended.min_p;
  if (take & GEMMAKIT_SAMPLING_REPEAT_PENALTY) params.repeat_penalty = recommended.repeat_penalty;
  if (take & GEMMAKIT_SAMPLING_REPEAT_LAST_N) params.repeat_last_n = recommended.repeat_last_n;
  return true;
}

}  // namespace gemmakit_app
