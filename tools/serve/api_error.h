// OpenAI-style errors: an HTTP status and {"error":{"message","type","param","code"}}.
#pragma once

#include <stdexcept>
#include <string>

namespace gemmakit_serve {

// Thrown by request parsing and admission; the route turns it into the response.
struct ApiError : std::runtime_error {
  ApiError(int http_status, std::string type, std::string code, const std::string& message, std::string param = "")
      : std::runtime_error(message), status(http_status), type(std::move(type)), code(std::move(code)),
        param(std::move(param)) {}
  int status;
  std::string type;  // "invalid_request_error", "authentication_error", "rate_limit_error", "server_error"
  std::string code;  // machine-readable: "invalid_json", "model_not_found", "unsupported_parameter", ...
  std::string param; // the offending request field, or ""
};

inline ApiError BadRequest(const std::string& code, const std::string& message, const std::string& param = "") {
  return ApiError(400, "invalid_request_error", code, message, param);
}

// The JSON body of an error response.
std::string ErrorBody(const ApiError& e);

// A library status (gemmakit_status) and its message as the error a client sees: bad input is the
// client's (400), the rest is the server's (500).
ApiError FromLibraryStatus(int status, const std::string& message);

}  // namespace gemmakit_serve
