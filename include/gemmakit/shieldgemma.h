// ShieldGemma: Gemma 2 models fine-tuned to answer whether a user prompt, or a model's response to
// it, violates a safety policy. The model card's recipe: render its policy prompt, run one forward pass, and read
// P(Yes) = softmax([logit("Yes"), logit("No")])[0] at the last position.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "gemmakit/session.h"

namespace gemmakit::shieldgemma {

// The model card's prompt-only guideline names, in its order: "dangerous", "harassment", "hate",
// "sexual".
const std::vector<std::string>& GuidelineNames();
// The guideline text of a name ('"No Dangerous Content": The prompt shall not ...'). Throws
// Error(kInvalidArgument) naming the known ones for any other name.
const std::string& Guideline(std::string_view name);

// The model card's prompt for classifying a user prompt: its preamble, the user prompt between
// <start_of_turn> and <end_of_turn>, the guidelines as "* " lines in the given order, and the
// Yes/No question. Surrounding whitespace of the user prompt and of the policy block is stripped,
// as the card's str.strip() does. Throws Error(kInvalidArgument) when there are no guidelines.
std::string RenderPrompt(std::string_view user_prompt, const std::vector<std::string>& guidelines);

// The guideline of a name for classifying a chatbot's response ('"No Dangerous Content": The chatbot
// shall not generate content that ...'). Throws Error(kInvalidArgument) as Guideline does.
const std::string& ResponseGuideline(std::string_view name);

// The prompt for classifying a model's response to a user prompt, as Google's ShieldGemma tutorial
// writes it (the card gives only the prompt-only one): the user prompt and the response each
// between <start_of_turn> and <end_of_turn>, the guidelines as "* " lines, the Yes/No question about
// the response. Nothing is stripped (the tutorial's str.format). Throws Error(kInvalidArgument)
// when there are no guidelines.
std::string RenderResponsePrompt(std::string_view user_prompt, std::string_view model_response,
                                 const std::vector<std::string>& guidelines);

// P(Yes) for a rendered prompt: resets the session, evaluates <bos> + the prompt's tokens (special
// pieces such as <start_of_turn> parsed, as the card's tokenizer call does) and compares the
// logits of the vocabulary's "Yes" and "No" pieces at the last position. Throws
// Error(kUnsupported) for a vocabulary without those pieces, and what Session::Evaluate throws.
double ProbabilityOfYes(Session& session, std::string_view prompt);

}  // namespace gemmakit::shieldgemma
