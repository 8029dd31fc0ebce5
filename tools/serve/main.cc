// gemmakit-serve: one model behind an OpenAI-compatible HTTP API. See README.md, "Serving".
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include <httplib.h>

#include "access_control.h"
#include "gemmakit.h"
#include "http_routes.h"
#include "metrics.h"
#include "options.h"
#include "sampling_defaults.h"
#include "scheduler.h"

using namespace gemmakit_serve;

namespace {

void LogToStderr(int32_t level, const char* message, void*) {
  static const char* const kLevels[] = {"debug", "info", "warning", "error"};
  fprintf(stderr, "gemmakit: %s: %s\n", kLevels[level < 0 || level > 3 ? 3 : level], message);
}

}  // namespace

int main(int argc, char** argv) {
  ServeOptions opts;
  int exit_code = 0;
  if (!ParseServeOptions(argc, argv, opts, &exit_code)) return exit_code;
  if (opts.verbose) gemmakit_set_log_callback(LogToStderr, GEMMAKIT_LOG_INFO, nullptr);

  // SIGINT / SIGTERM stop the server from a thread of their own (not from a signal handler);
  // blocked here, before any thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  gemmakit_model_params mp;
  gemmakit_model_params_init(&mp, sizeof mp);
  mp.n_threads = opts.threads;
  if (!opts.mmproj_path.empty()) mp.mmproj_path = opts.mmproj_path.c_str();
  mp.weight_type = opts.weight_type;
  mp.precision = opts.precision;
  const gemmakit_app::MergeAdapterParams merges(opts.lora_merges);
  merges.Apply(mp);
  gemmakit_model* model = nullptr;
  if (gemmakit_model_load(opts.model_path.c_str(), &mp, &model) != GEMMAKIT_OK) {
    fprintf(stderr, "gemmakit-serve: cannot load %s: %s\n", opts.model_path.c_str(), gemmakit_last_error());
    return 1;
  }
  std::vector<gemmakit_adapter*> adapters;
  auto free_all = [&] {
    for (gemmakit_adapter* a : adapters) gemmakit_adapter_free(a);
    gemmakit_model_free(model);
  };
  for (const auto& l : opts.loras) {
    gemmakit_adapter* a = nullptr;
    if (gemmakit_adapter_load(model, l.dir.c_str(), &a) != GEMMAKIT_OK) {
      fprintf(stderr, "gemmakit-serve: cannot load adapter %s: %s\n", l.dir.c_str(), gemmakit_last_error());
      free_all();
      return 1;
    }
    adapters.push_back(a);
  }
  int rc = 0;
  {
    Metrics metrics;
    SchedulerOptions so;
    so.max_batch = opts.parallel;
    so.max_queue = opts.max_queue;
    so.idle_sessions = opts.idle_sessions;
    if (!ServerSampling(model, opts, so.sampling)) {
      fprintf(stderr, "gemmakit-serve: cannot read the model's sampling: %s\n", gemmakit_last_error());
      free_all();
      return 1;
    }
    gemmakit_session_params_init(&so.session, sizeof so.session);
    so.session.n_threads = opts.threads;
    so.session.context_length = opts.context;
    for (size_t i = 0; i < adapters.size(); ++i) {
      so.adapters.push_back(adapters[i]);
      if (opts.loras[i].scale != 0) so.default_adapters.emplace_back(static_cast<int32_t>(i), opts.loras[i].scale);
    }
    Scheduler scheduler(model, so, metrics);
    AccessControl access(opts.api_keys, opts.rate_limit);
    ServerContext ctx{opts, scheduler, metrics, access, model};

    httplib::Server server;
    const size_t http_threads = static_cast<size_t>(opts.http_threads);
    server.new_task_queue = [http_threads] { return new httplib::ThreadPool(http_threads); };
    if (opts.verbose) {
      server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        fprintf(stderr, "gemmakit-serve: %s %s -> %d\n", req.method.c_str(), req.path.c_str(), res.status);
      });
    }
    RegisterRoutes(server, ctx);
    int port = opts.port;
    if (port == 0) {
      port = server.bind_to_any_port(opts.host);
    } else if (!server.bind_to_port(opts.host, port)) {
      port = -1;
    }
    if (port < 0) {
      fprintf(stderr, "gemmakit-serve: cannot listen on %s:%d\n", opts.host.c_str(), opts.port);
      rc = 1;
    } else {
      std::thread stopper([&] {
        int sig = 0;
        sigwait(&stop_signals, &sig);
        server.stop();
      });
      printf("gemmakit-serve: model '%s' at http://%s:%d/v1\n", opts.model_name.c_str(), opts.host.c_str(), port);
      // For capacity planning: what one session's KV cache grows to.
      int64_t kv = 0;
      if (gemmakit_model_kv_bytes(model, &so.session, opts.context, &kv) == GEMMAKIT_OK) {
        printf("gemmakit-serve: KV cache per session at %lld positions: %.1f MiB; --parallel %d, --cache-sessions %zu\n",
               static_cast<long long>(opts.context), static_cast<double>(kv) / (1 << 20), opts.parallel,
               opts.idle_sessions);
      }
      fflush(stdout);
      server.listen_after_bind();
      // listen_after_bind returns after stop(): from the signal thread, which has then finished.
      stopper.join();
    }
  }
  free_all();
  return rc;
}
