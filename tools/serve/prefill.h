// Evaluating a request's prompt into a session, through the C API's own chat rendering (the
// template, images, reuse of the tokens the session already holds).
#pragma once

#include <cstdint>
#include <vector>

#include "gemmakit.h"
#include "generation_request.h"

namespace gemmakit_serve {

// The prompt's token ids, for choosing the idle session that shares most of them; [] for a
// conversation with images (their soft tokens are not ids).
std::vector<int32_t> PromptTokens(const gemmakit_model* model, const GenerationRequest& request);

// Leaves the session holding the prompt, with the logits of its last token. held: the session's
// tokens ([] when unknown); prompt: PromptTokens. Returns the prompt's length in tokens. Throws
// ApiError (a cancelled evaluation: code "cancelled").
int64_t EvaluatePrompt(gemmakit_session* session, const GenerationRequest& request, const std::vector<int32_t>& held,
                       const std::vector<int32_t>& prompt);

}  // namespace gemmakit_serve
