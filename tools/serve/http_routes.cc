#include "http_routes.h"

#include <chrono>
#include <memory>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "embeddings.h"
#include "openai_request.h"
#include "openai_response.h"

namespace gemmakit_serve {
namespace {

using nlohmann::json;
constexpr auto kPoll = std::chrono::milliseconds(100);

void SendError(httplib::Response& res, const ApiError& e, Metrics& metrics) {
  metrics.Error(e.code);
  res.status = e.status;
  res.set_content(ErrorBody(e), "application/json");
}

// Streams a started request's events: SSE chunks, or one JSON body once everything arrived. A
// failed write or a closed socket cancels the generation.
void RespondWithEvents(httplib::Response& res, std::shared_ptr<RequestChannel> channel,
                       std::shared_ptr<ResponseWriter> writer, bool stream, Event first) {
  auto pending = std::make_shared<std::optional<Event>>(std::move(first));
  auto provider = [channel, writer, stream, pending](size_t, httplib::DataSink& sink) {
    for (;;) {
      std::optional<Event> e = *pending ? std::move(*pending) : channel->Pop(kPoll);
      pending->reset();
      if (!e) {
        if (sink.is_writable()) continue;
        channel->Cancel();
        return false;
      }
      std::string out;
      if (e->kind == Event::kError) {
        // Headers are gone: the error becomes the body (or a last SSE event), as OpenAI does mid-stream.
        out = ErrorBody(*e->error);
        if (stream) out = "data: " + out + "\n\ndata: [DONE]\n\n";
      } else if (stream) {
        out = writer->Stream(*e);
      } else {
        writer->Collect(*e);
        if (e->kind == Event::kDone) out = writer->Body();
      }
      if (!out.empty() && !sink.write(out.data(), out.size())) {
        channel->Cancel();
        return false;
      }
      if (e->kind == Event::kDone || e->kind == Event::kError) {
        sink.done();
        return true;
      }
    }
  };
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(stream ? "text/event-stream" : "application/json", provider,
                                   [channel](bool success) {
                                     if (!success) channel->Cancel();
                                   });
}

void Generate(const httplib::Request& req, httplib::Response& res, ServerContext& ctx, bool chat) {
  try {
    const ParsedRequest parsed = chat ? ParseChatRequest(req.body, ctx.options.model_name)
                                      : ParseCompletionRequest(req.body, ctx.options.model_name);
    auto writer = std::make_shared<ResponseWriter>(parsed, chat);
    std::shared_ptr<RequestChannel> channel = ctx.scheduler.Submit(parsed.generation);
    // Wait until the prompt is evaluated and the first tokens drawn: a request the model refuses
    // (too long, an image a text model cannot see, a schema the sampler cannot compile) still
    // gets its HTTP status.
    std::optional<Event> first;
    while (!(first = channel->Pop(kPoll))) {
    }
    if (first->kind == Event::kError) {
      res.status = first->error->status;
      res.set_content(ErrorBody(*first->error), "application/json");
      return;
    }
    RespondWithEvents(res, channel, writer, parsed.stream, std::move(*first));
  } catch (const ApiError& e) {
    SendError(res, e, ctx.metrics);
  } catch (const std::exception& e) {
    SendError(res, ApiError(500, "server_error", "internal_error", e.what()), ctx.metrics);
  }
}

// Bodies for the errors cpp-httplib answers by itself (404 unknown path, 413 too large, 400).
ApiError ErrorForStatus(int status, const httplib::Request& req, const ServeOptions& o) {
  switch (status) {
    case 404:
      return ApiError(404, "invalid_request_error", "unknown_url", "Unknown request URL: " + req.method + " " + req.path);
    case 405:
      return ApiError(405, "invalid_request_error", "method_not_allowed", "Method not allowed: " + req.method);
    case 413:
      return ApiError(413, "invalid_request_error", "request_too_large",
                      "The request body exceeds " + std::to_string(o.max_body_bytes) + " bytes (--max-body-bytes)");
    default:
      return ApiError(status, status >= 500 ? "server_error" : "invalid_request_error", "http_" + std::to_string(status),
                      "HTTP error " + std::to_string(status));
  }
}

}  // namespace

void RegisterRoutes(httplib::Server& server, ServerContext& ctx) {
  server.set_payload_max_length(ctx.options.max_body_bytes);
  server.set_error_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const ApiError e = ErrorForStatus(res.status, req, ctx.options);
    ctx.metrics.Error(e.code);
    res.set_content(ErrorBody(e), "application/json");
  });
  // Keys and rates guard the API; /health and /metrics stay open for load balancers and Prometheus.
  server.set_pre_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/v1/", 0) != 0) return httplib::Server::HandlerResponse::Unhandled;
    try {
      ctx.access.Admit(req.get_header_value("Authorization"), req.remote_addr);
    } catch (const ApiError& e) {
      SendError(res, e, ctx.metrics);
      if (e.status == 429) res.set_header("Retry-After", "60");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"ok\"}", "application/json");
  });
  server.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
    res.set_content(ctx.metrics.Render(), "text/plain; version=0.0.4");
  });
  // The --lora adapters a request may name by id, as llama-server lists them (behind the API keys).
  server.Get("/lora-adapters", [&ctx](const httplib::Request& req, httplib::Response& res) {
    try {
      ctx.access.Admit(req.get_header_value("Authorization"), req.remote_addr);
    } catch (const ApiError& e) {
      SendError(res, e, ctx.metrics);
      return;
    }
    json list = json::array();
    for (size_t i = 0; i < ctx.options.loras.size(); ++i) {
      list.push_back({{"id", i}, {"path", ctx.options.loras[i].dir}, {"scale", ctx.options.loras[i].scale}});
    }
    res.set_content(list.dump(), "application/json");
  });
  server.Get("/v1/models", [&ctx](const httplib::Request&, httplib::Response& res) {
    const json model = {{"id", ctx.options.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "gemmakit"}};
    res.set_content(json{{"object", "list"}, {"data", json::array({model})}}.dump(), "application/json");
  });
  server.Get("/v1/models/(.+)", [&ctx](const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] != ctx.options.model_name) {
      SendError(res, ApiError(404, "invalid_request_error", "model_not_found",
                              "The model '" + std::string(req.matches[1]) + "' does not exist", "model"),
                ctx.metrics);
      return;
    }
    res.set_content(json{{"id", ctx.options.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "gemmakit"}}
                        .dump(),
                    "application/json");
  });
  server.Post("/v1/chat/completions",
              [&ctx](const httplib::Request& req, httplib::Response& res) { Generate(req, res, ctx, true); });
  server.Post("/v1/completions",
              [&ctx](const httplib::Request& req, httplib::Response& res) { Generate(req, res, ctx, false); });
  server.Post("/v1/embeddings", [&ctx](const httplib::Request& req, httplib::Response& res) {
    try {
      const EmbeddingsRequest r = ParseEmbeddingsRequest(req.body, ctx.options.model_name);
      res.set_content(EmbeddingsResponse(ctx.model, r, ctx.options.model_name, ctx.options.threads), "application/json");
    } catch (const ApiError& e) {
      SendError(res, e, ctx.metrics);
    } catch (const std::exception& e) {
      SendError(res, ApiError(500, "server_error", "internal_error", e.what()), ctx.metrics);
    }
  });
}

}  // namespace gemmakit_serve
