// What every capi/*.cc file shares: the handle structs behind the opaque C types, the guard that
// turns exceptions into status codes, and conversions of C params into C++ options. Internal to
// the library; never installed.
#pragma once

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "gemmakit.h"
#include "gemmakit/chat.h"
#include "gemmakit/model.h"
#include "gemmakit/media.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"

namespace gemmakit {
class GenerationStepper;
namespace capi {
struct ToolCallState;
}
}

struct gemmakit_model {
  std::shared_ptr<const gemmakit::Model> model;
};

struct gemmakit_session {
  std::unique_ptr<gemmakit::Session> session;
  std::string last_text;
  // A generation begun by gemmakit_session_begin_* and advanced by gemmakit_session_step.
  std::shared_ptr<gemmakit::GenerationStepper> stepper;
  // The calls of the last chat with tools, push or pull (capi/gemmakit_tools.cc).
  std::shared_ptr<gemmakit::capi::ToolCallState> tool_calls;
};

namespace gemmakit::capi {

inline thread_local std::string g_last_error;

// Runs fn, turning every exception into a status and a message.
template <typename Fn>
gemmakit_status Guard(Fn&& fn) {
  g_last_error.clear();
  try {
    fn();
    return GEMMAKIT_OK;
  } catch (const Error& e) {
    g_last_error = e.what();
    return static_cast<gemmakit_status>(e.status());
  } catch (const std::bad_alloc&) {
    g_last_error = "out of memory";
    return GEMMAKIT_ERR_OUT_OF_MEMORY;
  } catch (const std::exception& e) {
    g_last_error = std::string("internal error: ") + e.what();
    return GEMMAKIT_ERR_INTERNAL;
  } catch (...) {
    g_last_error = "internal error";
    return GEMMAKIT_ERR_INTERNAL;
  }
}

template <typename T>
T& Need(T* p, const char* what) {
  if (p == nullptr) Fail(Status::kInvalidArgument, std::string(what) + " is NULL");
  return *p;
}

// A new handle holding make()'s value as shared immutable data; *out is NULL on failure.
template <typename Handle, typename Make>
gemmakit_status MakeHandle(Handle** out, Make&& make) {
  return Guard([&] {
    Handle*& result = Need(out, "out");
    result = nullptr;
    result = new Handle{std::make_shared<const decltype(make())>(make())};
  });
}

// snprintf-style copy of text into a caller buffer (*needed: bytes including the NUL;
// GEMMAKIT_ERR_BUFFER_TOO_SMALL when short).
void CopyOut(const std::string& text, char* buf, size_t capacity, size_t* needed);
// gemmakit_model_params' merge-at-load adapters (capi/gemmakit_adapter.cc).
std::vector<MergedAdapter> ToMergedAdapters(const gemmakit_model_params& p);
std::vector<ChatMessage> ToMessages(const gemmakit_chat_message* messages, size_t n);
// The model's recommended sampling where the caller's params name none.
GenerateOptions ToGenerateOptions(const gemmakit_generate_params* caller, const Model& model);
// Checked before generating, so a bad result struct fails the call without touching the session.
void CheckResult(const gemmakit_generation* result);
// Keeps the text in the session (the result's view of it) and fills result, if any.
void Report(gemmakit_session& s, const GenerateResult& r, gemmakit_generation* result);
// The image a handle holds (gemmakit_image.cc owns the handle's layout).
std::shared_ptr<const RgbImage> SharedImage(const gemmakit_image* image);
// What every media-taking evaluate / generate function does once its media are converted
// (gemmakit_content.cc). Throw as Session::Evaluate / Generate; call inside Guard.
void EvaluateWithMedia(gemmakit_session* session, const int32_t* ids, size_t n_ids, const std::vector<Media>& media,
                       int32_t logits_mode);
void GenerateWithMedia(gemmakit_session* session, const char* prompt, const std::vector<Media>& media,
                       const gemmakit_generate_params* params, gemmakit_generation* result);

}  // namespace gemmakit::capi
