#include "sampling_defaults.h"

#include "model_sampling.h"

namespace gemmakit_serve {

bool ServerSampling(const gemmakit_model* model, const ServeOptions& options, gemmakit_sampling_params& out) {
  gemmakit_sampling_params_init(&out, sizeof out);
  out.temperature = options.temperature;
  out.top_k = options.top_k;
  out.top_p = options.top_p;
  out.min_p = options.min_p;
  out.repeat_penalty = options.repeat_penalty;
  out.repeat_last_n = options.repeat_last_n;
  return gemmakit_app::TakeModelSampling(model, options.sampling_given, out);
}

gemmakit_sampling_params RequestSampling(gemmakit_sampling_params defaults, const GenerationRequest& request) {
  if (request.temperature) defaults.temperature = *request.temperature;
  if (request.top_p) defaults.top_p = *request.top_p;
  if (request.top_k) defaults.top_k = *request.top_k;
  if (request.min_p) defaults.min_p = *request.min_p;
  if (request.repeat_penalty) defaults.repeat_penalty = *request.repeat_penalty;
  if (request.repeat_last_n) defaults.repeat_last_n = *request.repeat_last_n;
  return defaults;
}

}  // namespace gemmakit_serve
