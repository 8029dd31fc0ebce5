#include "api_error.h"

#include <nlohmann/json.hpp>

#include "gemmakit.h"

namespace gemmakit_serve {

std::string ErrorBody(const ApiError& e) {
  nlohmann::json err = {{"message", e.what()}, {"type", e.type}, {"code", e.code}};
  err["param"] = e.param.empty() ? nlohmann::json(nullptr) : nlohmann::json(e.param);
  return nlohmann::json{{"error", err}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiError FromLibraryStatus(int status, const std::string& message) {
  switch (status) {
    case GEMMAKIT_ERR_INVALID_ARGUMENT:
    case GEMMAKIT_ERR_FORMAT:
      return BadRequest("invalid_value", message);
    case GEMMAKIT_ERR_UNSUPPORTED:
      return BadRequest("unsupported_content", message);
    case GEMMAKIT_ERR_CONTEXT_FULL:
      return BadRequest("context_length_exceeded", message);
    case GEMMAKIT_ERR_CANCELLED:
      return ApiError(499, "invalid_request_error", "cancelled", message);
    default:
      return ApiError(500, "server_error", "internal_error", message);
  }
}

}  // namespace gemmakit_serve
