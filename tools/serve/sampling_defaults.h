// The sampling a request runs with: what it sets (OpenAI's temperature and top_p, llama-server's
// top_k, min_p, repeat_penalty and repeat_last_n), else the server's defaults, which are the command
// line's sampling options, else the model's recommended values (generation_config.json, GGUF
// general.sampling.*), else OpenAI's defaults.
#pragma once

#include "gemmakit.h"
#include "generation_request.h"
#include "options.h"

namespace gemmakit_serve {

// The server's defaults for requests. False when the library refuses (gemmakit_last_error says why).
bool ServerSampling(const gemmakit_model* model, const ServeOptions& options, gemmakit_sampling_params& out);
// defaults with the fields the request sets.
gemmakit_sampling_params RequestSampling(gemmakit_sampling_params defaults, const GenerationRequest& request);

}  // namespace gemmakit_serve
