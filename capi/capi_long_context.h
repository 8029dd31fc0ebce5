// The session params fields of the long-context section (KV type, context-full policy, abort
// callback), shared by gemmakit_session_create and gemmakit_model_kv_bytes.
#pragma once

#include "gemmakit.h"
#include "gemmakit/session.h"

namespace gemmakit::capi {

void ApplyLongContextParams(const gemmakit_session_params& p, SessionOptions& o);

}  // namespace gemmakit::capi
