// The C ABI of the long-context features: KV cache size, saved sessions, forks, cancellation.
#include <memory>
#include <string>
#include <vector>

#include "capi_internal.h"
#include "capi_long_context.h"
#include "struct_io.h"

using gemmakit::Fail;
using gemmakit::Status;
using gemmakit::capi::Guard;
using gemmakit::capi::Need;

namespace gemmakit::capi {

void ApplyLongContextParams(const gemmakit_session_params& p, SessionOptions& o) {
  if (p.kv_type < GEMMAKIT_KV_F32 || p.kv_type > GEMMAKIT_KV_Q8_0) {
    Fail(Status::kInvalidArgument, "session params: unknown kv_type " + std::to_string(p.kv_type));
  }
  if (p.context_full != GEMMAKIT_CONTEXT_FULL_STOP && p.context_full != GEMMAKIT_CONTEXT_FULL_DROP_OLDEST) {
    Fail(Status::kInvalidArgument, "session params: unknown context_full policy " + std::to_string(p.context_full));
  }
  o.kv_type = static_cast<KvType>(p.kv_type);
  o.context_full = static_cast<ContextFullPolicy>(p.context_full);
  if (p.abort_callback) {
    int32_t (*cb)(void*) = p.abort_callback;
    void* user = p.abort_user_data;
    o.should_abort = [cb, user] { return cb(user) != 0; };
  }
}

}  // namespace gemmakit::capi

extern "C" {

gemmakit_status gemmakit_model_kv_bytes(const gemmakit_model* model, const gemmakit_session_params* params,
                                        int64_t n_positions, int64_t* bytes) {
  return Guard([&] {
    const gemmakit::Model& m = *Need(model, "model").model;
    int64_t& out = Need(bytes, "bytes");
    gemmakit_session_params defaults;
    if (gemmakit_session_params_init(&defaults, sizeof defaults) != GEMMAKIT_OK) Fail(Status::kInternal, "params init");
    const gemmakit_session_params p = gemmakit::capi::ReadParams(params, defaults, "session params");
    gemmakit::SessionOptions o;
    o.context_length = p.context_length;
    o.batch_size = p.batch_size;
    gemmakit::capi::ApplyLongContextParams(p, o);
    if (o.batch_size < 1) Fail(Status::kInvalidArgument, "batch_size must be >= 1");
    out = gemmakit::KvCacheBytes(m, n_positions, o);
  });
}

gemmakit_status gemmakit_session_kv_bytes(const gemmakit_session* session, int64_t* bytes) {
  return Guard([&] { Need(bytes, "bytes") = static_cast<int64_t>(Need(session, "session").session->kv_cache_bytes()); });
}

gemmakit_status gemmakit_session_save(const gemmakit_session* session, void* buf, size_t capacity, size_t* needed) {
  return Guard([&] {
    const gemmakit::Session& s = *Need(session, "session").session;
    if (buf == nullptr && capacity != 0) Fail(Status::kInvalidArgument, "buffer is NULL but capacity is not 0");
    const size_t size = s.SaveState(buf, capacity);
    if (needed) *needed = size;
    if (capacity < size) {
      Fail(Status::kBufferTooSmall, "buffer of " + std::to_string(capacity) + " bytes, " + std::to_string(size) + " needed");
    }
  });
}

gemmakit_status gemmakit_session_load(gemmakit_session* session, const void* data, size_t size) {
  return Guard([&] {
    gemmakit::Session& s = *Need(session, "session").session;
    if (data == nullptr) Fail(Status::kInvalidArgument, "data is NULL");
    s.LoadState(data, size);
  });
}

gemmakit_status gemmakit_session_save_file(const gemmakit_session* session, const char* path) {
  return Guard([&] {
    const gemmakit::Session& s = *Need(session, "session").session;
    s.SaveStateFile(&Need(path, "path"));
  });
}

gemmakit_status gemmakit_session_load_file(gemmakit_session* session, const char* path) {
  return Guard([&] {
    gemmakit::Session& s = *Need(session, "session").session;
    s.LoadStateFile(&Need(path, "path"));
  });
}

gemmakit_status gemmakit_session_fork(const gemmakit_session* session, gemmakit_session** out) {
  return Guard([&] {
    gemmakit_session*& result = Need(out, "out");
    result = nullptr;
    std::unique_ptr<gemmakit::Session> copy = Need(session, "session").session->Fork();
    result = new gemmakit_session{std::move(copy), {}, nullptr, nullptr};
  });
}

gemmakit_status gemmakit_session_cancel(gemmakit_session* session) {
  return Guard([&] { Need(session, "session").session->Cancel(); });
}

}  // extern "C"
