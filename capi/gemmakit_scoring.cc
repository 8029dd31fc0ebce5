// The C ABI of scoring: log-probabilities of continuations and next tokens, and ShieldGemma.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "capi_internal.h"
#include "gemmakit/scoring.h"
#include "gemmakit/shieldgemma.h"
#include "struct_io.h"

using gemmakit::Fail;
using gemmakit::Status;
using gemmakit::capi::Guard;
using gemmakit::capi::Need;

namespace {

gemmakit_score_params DefaultScore() {
  gemmakit_score_params p{};
  p.struct_size = sizeof p;
  return p;
}

gemmakit_shieldgemma_params DefaultShieldGemma() {
  gemmakit_shieldgemma_params p{};
  p.struct_size = sizeof p;
  return p;
}

template <typename T>
const T* NeedArray(const T* p, size_t n, const char* what) {
  if (p == nullptr && n > 0) Fail(Status::kInvalidArgument, std::string(what) + " is NULL but its count is not 0");
  return p;
}

const char* NeedText(const char* user_prompt) {
  if (user_prompt == nullptr) Fail(Status::kInvalidArgument, "user_prompt is NULL");
  return user_prompt;
}

std::vector<std::vector<int32_t>> ReadContinuations(const gemmakit_score_params& p) {
  NeedArray(p.continuations, p.n_continuations, "score params: continuations");
  NeedArray(p.continuation_lengths, p.n_continuations, "score params: continuation_lengths");
  std::vector<std::vector<int32_t>> out(p.n_continuations);
  for (size_t i = 0; i < p.n_continuations; ++i) {
    const std::string what = "score params: continuation " + std::to_string(i);
    const int32_t* ids = NeedArray(p.continuations[i], p.continuation_lengths[i], what.c_str());
    out[i].assign(ids, ids + p.continuation_lengths[i]);
  }
  return out;
}

void WriteScores(const gemmakit::ScoreResult& r, const gemmakit_score_params& p) {
  size_t token = 0;
  for (size_t i = 0; i < r.continuations.size(); ++i) {
    const gemmakit::ContinuationScore& c = r.continuations[i];
    if (p.logprob_sums) p.logprob_sums[i] = c.logprob_sum;
    if (p.is_greedy) p.is_greedy[i] = c.is_greedy ? 1 : 0;
    if (p.token_logprobs) std::copy(c.token_logprobs.begin(), c.token_logprobs.end(), p.token_logprobs + token);
    token += c.token_logprobs.size();
  }
  if (p.next_token_logprobs) std::copy(r.next_token_logprobs.begin(), r.next_token_logprobs.end(), p.next_token_logprobs);
}

std::vector<std::string> ReadGuidelines(const gemmakit_shieldgemma_params* params) {
  const gemmakit_shieldgemma_params p = gemmakit::capi::ReadParams(params, DefaultShieldGemma(), "shieldgemma params");
  NeedArray(p.policy_names, p.n_policy_names, "shieldgemma params: policy_names");
  NeedArray(p.policy_texts, p.n_policy_texts, "shieldgemma params: policy_texts");
  std::vector<std::string> out;
  for (size_t i = 0; i < p.n_policy_names; ++i) {
    if (!p.policy_names[i]) Fail(Status::kInvalidArgument, "policy name " + std::to_string(i) + " is NULL");
    out.push_back(p.model_response ? gemmakit::shieldgemma::ResponseGuideline(p.policy_names[i])
                                   : gemmakit::shieldgemma::Guideline(p.policy_names[i]));
  }
  for (size_t i = 0; i < p.n_policy_texts; ++i) {
    if (!p.policy_texts[i]) Fail(Status::kInvalidArgument, "policy text " + std::to_string(i) + " is NULL");
    out.emplace_back(p.policy_texts[i]);
  }
  return out;
}

// The prompt of the params' mode: prompt-only, or the model_response to user_prompt.
std::string RenderShieldGemma(const char* user_prompt, const gemmakit_shieldgemma_params* params) {
  const gemmakit_shieldgemma_params p = gemmakit::capi::ReadParams(params, DefaultShieldGemma(), "shieldgemma params");
  const std::vector<std::string> guidelines = ReadGuidelines(params);
  if (p.model_response) {
    return gemmakit::shieldgemma::RenderResponsePrompt(NeedText(user_prompt), p.model_response, guidelines);
  }
  return gemmakit::shieldgemma::RenderPrompt(NeedText(user_prompt), guidelines);
}

}  // namespace

extern "C" {

gemmakit_status gemmakit_score_params_init(gemmakit_score_params* params, size_t struct_size) {
  return Guard([&] { gemmakit::capi::InitParams(params, struct_size, DefaultScore(), "score params"); });
}

gemmakit_status gemmakit_session_score(gemmakit_session* session, const int32_t* prompt, size_t n_prompt,
                                       const gemmakit_score_params* params) {
  return Guard([&] {
    gemmakit::Session& s = *Need(session, "session").session;
    const gemmakit_score_params p = gemmakit::capi::ReadParams(params, DefaultScore(), "score params");
    NeedArray(prompt, n_prompt, "prompt");
    NeedArray(p.next_tokens, p.n_next_tokens, "score params: next_tokens");
    const std::vector<int32_t> next(p.next_tokens, p.next_tokens + p.n_next_tokens);
    const gemmakit::ScoreResult r =
        gemmakit::Score(s, std::vector<int32_t>(prompt, prompt + n_prompt), ReadContinuations(p), next);
    WriteScores(r, p);
  });
}

gemmakit_status gemmakit_shieldgemma_params_init(gemmakit_shieldgemma_params* params, size_t struct_size) {
  return Guard([&] { gemmakit::capi::InitParams(params, struct_size, DefaultShieldGemma(), "shieldgemma params"); });
}

gemmakit_status gemmakit_shieldgemma_prompt(const char* user_prompt, const gemmakit_shieldgemma_params* params,
                                            char* buf, size_t capacity, size_t* needed) {
  return Guard([&] {
    const std::string text = RenderShieldGemma(user_prompt, params);
    gemmakit::capi::CopyOut(text, buf, capacity, needed);
  });
}

gemmakit_status gemmakit_shieldgemma_classify(const gemmakit_model* model, const char* user_prompt,
                                              const gemmakit_shieldgemma_params* params, double* p_yes) {
  return Guard([&] {
    double& out = Need(p_yes, "p_yes");
    const auto& m = Need(model, "model").model;
    const std::string prompt = RenderShieldGemma(user_prompt, params);
    gemmakit::SessionOptions o;
    o.n_threads = gemmakit::capi::ReadParams(params, DefaultShieldGemma(), "shieldgemma params").n_threads;
    gemmakit::Session session(m, o);
    out = gemmakit::shieldgemma::ProbabilityOfYes(session, prompt);
  });
}

}  // extern "C"
