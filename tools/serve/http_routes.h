// The HTTP surface: routes, authentication and limits in front of them, error bodies.
#pragma once

#include <httplib.h>

#include "access_control.h"
#include "metrics.h"
#include "options.h"
#include "scheduler.h"

namespace gemmakit_serve {

struct ServerContext {
  const ServeOptions& options;
  Scheduler& scheduler;
  Metrics& metrics;
  AccessControl& access;
  const gemmakit_model* model;  // for what needs no session (embeddings)
};

void RegisterRoutes(httplib::Server& server, ServerContext& context);

}  // namespace gemmakit_serve
