// A C++ "game engine" linking libgemmakit.a statically. It defines functions whose mangled names
// equal functions inside gemmakit (gemmakit::Fail, gemmakit::StatusName, gemmakit::Log): if the
// static library exported its internals, this would not link (multiple definitions), or one side
// would silently call the other's code. It checks that each side still calls its own.
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

#include "gemmakit.h"

namespace gemmakit {
enum class Status : int32_t { kHost = 1 };
enum class LogLevel : int32_t { kHost = 1 };
[[noreturn]] void Fail(Status, const std::string& message) { throw std::runtime_error("host: " + message); }
const char* StatusName(Status) { return "the host's StatusName"; }
int host_log_calls = 0;
void Log(LogLevel, const std::string&) { ++host_log_calls; }
}  // namespace gemmakit

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  if (std::strcmp(gemmakit::StatusName(gemmakit::Status::kHost), "the host's StatusName") != 0) return 1;
  // The library's own StatusName must answer for the library.
  const std::string lib_name = gemmakit_status_string(GEMMAKIT_ERR_CONTEXT_FULL);
  if (lib_name != "context full") {
    std::fprintf(stderr, "gemmakit_status_string gave '%s'\n", lib_name.c_str());
    return 1;
  }
  gemmakit_model* model = nullptr;
  if (gemmakit_model_load("/nonexistent/model", nullptr, &model) == GEMMAKIT_OK) return 1;
  std::printf("library error as expected: %s\n", gemmakit_last_error());
  if (gemmakit_model_load(argv[1], nullptr, &model) != GEMMAKIT_OK) {
    std::fprintf(stderr, "error: %s\n", gemmakit_last_error());
    return 1;
  }
  int32_t ids[64];
  size_t n = 0;
  if (gemmakit_tokenize(model, "Hello world", 11, GEMMAKIT_TOKENIZE_ADD_BOS, ids, 64, &n) != GEMMAKIT_OK) return 1;
  gemmakit::Log(gemmakit::LogLevel::kHost, "host message");
  std::printf("tokenized into %zu ids; host Log called %d time(s)\n", n, gemmakit::host_log_calls);
  gemmakit_model_free(model);
  return n > 1 && gemmakit::host_log_calls == 1 ? 0 : 1;
}
