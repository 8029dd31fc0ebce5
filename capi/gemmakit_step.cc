// The C ABI of pull generation (gemmakit_session_begin_*, gemmakit_session_step) and of the log
// callback: argument checks and struct versioning over GenerationStepper and SetLogSink.
#include "capi_internal.h"
#include "gemmakit/generation_stepper.h"
#include "gemmakit/log.h"
#include "struct_io.h"

using gemmakit::Fail;
using gemmakit::GenerationStepper;
using gemmakit::Status;
namespace capi = gemmakit::capi;

extern "C" {

gemmakit_status gemmakit_session_begin_generate(gemmakit_session* session, const char* prompt,
                                                const gemmakit_generate_params* params) {
  return capi::Guard([&] {
    gemmakit_session& s = capi::Need(session, "session");
    const gemmakit::GenerateOptions o = capi::ToGenerateOptions(params, s.session->model());
    if (prompt == nullptr) Fail(Status::kInvalidArgument, "prompt is NULL");
    s.stepper.reset();
    s.stepper = GenerationStepper::BeginGenerate(*s.session, prompt, o);
  });
}

gemmakit_status gemmakit_session_begin_chat(gemmakit_session* session, const gemmakit_chat_message* messages,
                                            size_t n_messages, const gemmakit_generate_params* params) {
  return capi::Guard([&] {
    gemmakit_session& s = capi::Need(session, "session");
    const gemmakit::GenerateOptions o = capi::ToGenerateOptions(params, s.session->model());
    const std::vector<gemmakit::ChatMessage> conversation = capi::ToMessages(messages, n_messages);
    s.stepper.reset();
    s.stepper = GenerationStepper::BeginChat(*s.session, conversation, o);
  });
}

gemmakit_status gemmakit_session_step(gemmakit_session* session, int32_t max_tokens, double budget_seconds,
                                      gemmakit_chunk* chunk) {
  return capi::Guard([&] {
    gemmakit_session& s = capi::Need(session, "session");
    if (chunk && chunk->struct_size < sizeof(uint32_t)) Fail(Status::kInvalidArgument, "chunk: struct_size is not set");
    if (!s.stepper) Fail(Status::kInvalidArgument, "step: no generation begun on this session");
    gemmakit::StepResult r;
    try {
      r = s.stepper->Step(max_tokens, budget_seconds);
    } catch (...) {
      // The session may hold part of a prompt piece's work; stepping on would not be the
      // generation that was asked for.
      if (!s.stepper->finished()) s.stepper.reset();
      throw;
    }
    s.last_text = std::move(r.text);
    if (!chunk) return;
    gemmakit_chunk c{};
    c.text = s.last_text.c_str();
    c.text_len = s.last_text.size();
    c.finished = r.finished ? 1 : 0;
    c.stop_reason = static_cast<int32_t>(r.stop_reason);
    c.n_tokens = r.n_tokens;
    c.n_total_tokens = static_cast<int32_t>(s.stepper->result().tokens.size());
    c.n_prompt_tokens = r.n_prompt_tokens;
    capi::WriteResult(chunk, c, "chunk");
  });
}

gemmakit_status gemmakit_session_step_result(gemmakit_session* session, gemmakit_generation* result) {
  return capi::Guard([&] {
    gemmakit_session& s = capi::Need(session, "session");
    capi::CheckResult(&capi::Need(result, "result"));
    if (!s.stepper) Fail(Status::kInvalidArgument, "step result: no generation begun on this session");
    capi::Report(s, s.stepper->result(), result);
  });
}

gemmakit_status gemmakit_set_log_callback(gemmakit_log_callback callback, int32_t min_level, void* user_data) {
  return capi::Guard([&] {
    if (min_level < GEMMAKIT_LOG_DEBUG || min_level > GEMMAKIT_LOG_ERROR) {
      Fail(Status::kInvalidArgument, "log level " + std::to_string(min_level) + " is not a GEMMAKIT_LOG_* level");
    }
    if (!callback) return gemmakit::SetLogSink(nullptr, gemmakit::LogLevel::kError);
    gemmakit::SetLogSink([callback, user_data](gemmakit::LogLevel level, const char* message) {
      callback(static_cast<int32_t>(level), message, user_data);
    }, static_cast<gemmakit::LogLevel>(min_level));
  });
}

}  // extern "C"
