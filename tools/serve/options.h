// gemmakit-serve's command line.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "lora_spec.h"

namespace gemmakit_serve {

struct ServeOptions {
  std::string model_path;
  std::string mmproj_path;
  std::string model_name;  // the id clients send; default: the model folder's name
  int32_t weight_type = 0;                          // GEMMAKIT_WEIGHTS_*: convert the weights at load
  int32_t precision = 0;                            // GEMMAKIT_PRECISION_*
  std::vector<gemmakit_app::LoraSpec> loras;        // active in every session
  std::vector<gemmakit_app::LoraSpec> lora_merges;  // folded into the weights at load
  std::string host = "127.0.0.1";
  int port = 8080;
  std::set<std::string> api_keys;
  int32_t rate_limit = 0;          // requests per minute per key; 0: none
  size_t max_body_bytes = 16 << 20;
  int32_t parallel = 8;            // sequences decoded together
  size_t max_queue = 256;
  size_t idle_sessions = 4;
  int32_t threads = 0;
  int64_t context = 4096;
  int32_t http_threads = 64;
  bool verbose = false;
  // Sampling where a request sets nothing (--temperature, --top-k, --top-p, --min-p,
  // --repeat-penalty, --repeat-last-n). Options left out take the model's recommendation
  // (sampling_defaults.h), else these: OpenAI's defaults (no top-k), gemmakit's for the rest.
  float temperature = 1.f, top_p = 1.f, min_p = 0.f, repeat_penalty = 1.f;
  int32_t top_k = 0, repeat_last_n = 64;
  int32_t sampling_given = 0;  // GEMMAKIT_SAMPLING_* bits of the options given
};

// Parses argv; on --help or an error prints usage and returns false (*exit_code set).
bool ParseServeOptions(int argc, char** argv, ServeOptions& out, int* exit_code);

}  // namespace gemmakit_serve
