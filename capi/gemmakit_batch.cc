// Batched decoding across sessions: a thin wrapper over Session::DecodeBatch.
#include <vector>

#include "capi_internal.h"
#include "gemmakit.h"

using gemmakit::Fail;
using gemmakit::Status;
using gemmakit::capi::Guard;

gemmakit_status gemmakit_batch_decode(gemmakit_session* const* sessions, size_t n, const int32_t* tokens) {
  return Guard([&] {
    if (sessions == nullptr || tokens == nullptr) Fail(Status::kInvalidArgument, "sessions or tokens is NULL");
    if (n == 0) Fail(Status::kInvalidArgument, "batch of no sessions");
    std::vector<gemmakit::Session*> batch(n);
    for (size_t i = 0; i < n; ++i) {
      if (sessions[i] == nullptr) Fail(Status::kInvalidArgument, "session " + std::to_string(i) + " is NULL");
      batch[i] = sessions[i]->session.get();
    }
    gemmakit::Session::DecodeBatch(batch, std::vector<int32_t>(tokens, tokens + n));
  });
}
