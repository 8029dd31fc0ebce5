#include "options.h"

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "gemmakit.h"
#include "model_sampling.h"

namespace gemmakit_serve {
namespace {

const char kUsage[] =
    "usage: gemmakit-serve MODEL [options]   (or --model MODEL, or GEMMAKIT_MODEL; also `gemmakit serve`)\n"
    "An OpenAI-compatible HTTP server: /v1/chat/completions, /v1/completions, /v1/models, /health, /metrics.\n"
    "  --host ADDR            address to listen on (default 127.0.0.1: loopback only)\n"
    "  --port N               (default 8080; 0 picks a free port, printed on stdout)\n"
    "  --model-name NAME      the model id clients send (default: the model folder's name)\n"
    "  --mmproj FILE          a Gemma 3 vision projector GGUF\n"
    "  --weights TYPE         convert the weights at load: a llama-quantize preset or type (q4_k_m, q8_0, ...)\n"
    "  --precision exact|fast exact (default): float32-grade products; fast: llama.cpp's arithmetic\n"
    "  --lora DIR[:SCALE]     a PEFT LoRA adapter active in every session (repeatable)\n"
    "  --lora-merge DIR[:SCALE] a PEFT LoRA adapter folded into the weights at load (repeatable)\n"
    "  --api-key KEY          require this key (repeatable); also GEMMAKIT_API_KEY\n"
    "  --api-key-file FILE    require one of the keys in FILE, one per line\n"
    "  --rate-limit N         requests per minute per key (per address without keys); 0: none\n"
    "  --max-body-bytes N     larger requests get 413 (default 16 MiB)\n"
    "  --parallel N           sequences decoded together in one batch (default 8)\n"
    "  --max-queue N          waiting requests beyond this get 503 (default 256)\n"
    "  --cache-sessions N     finished sessions kept for prefix reuse (default 4)\n"
    "  --ctx N                context length of each session (default 4096)\n"
    "  --threads N            compute threads (default: one per core)\n"
    "  --http-threads N       connections served at once (default 64)\n"
    "  --verbose              log requests and the library's messages to stderr\n"
    "Sampling of requests that do not set it; left out: the model's recommended value (generation_config.json,\n"
    "GGUF general.sampling.*), else temperature 1, top-p 1, no top-k (OpenAI's defaults), min-p 0, no penalty:\n"
    "  --temperature T  --top-k K  --top-p P  --min-p P  --repeat-penalty R  --repeat-last-n N\n";

bool WeightType(const std::string& name, int32_t& out) {
  return gemmakit_weight_type_from_name(name.c_str(), &out) == GEMMAKIT_OK;
}

bool Precision(const std::string& name, int32_t& out) {
  if (name != "exact" && name != "fast") return false;
  out = name == "fast" ? GEMMAKIT_PRECISION_FAST : GEMMAKIT_PRECISION_EXACT;
  return true;
}

bool ReadKeyFile(const std::string& path, std::set<std::string>& keys) {
  std::ifstream in(path);
  if (!in) return false;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') keys.insert(line);
  }
  return true;
}

// The sampling options, with the ranges the library's sampler takes: a refused value stops the
// server at start rather than failing every request.
struct SamplingFlag {
  const char* name;
  float ServeOptions::*real;  // one of these two
  int32_t ServeOptions::*whole;
  double lo, hi;
  bool low_open;  // lo itself is refused
  const char* range;
};
constexpr SamplingFlag kSamplingFlags[] = {
    {"temperature", &ServeOptions::temperature, nullptr, 0, 1e30, false, ">= 0"},
    {"top-k", nullptr, &ServeOptions::top_k, 0, INT32_MAX, false, "an integer >= 0"},
    {"top-p", &ServeOptions::top_p, nullptr, 0, 1, true, "in (0, 1]"},
    {"min-p", &ServeOptions::min_p, nullptr, 0, 1, false, "in [0, 1]"},
    {"repeat-penalty", &ServeOptions::repeat_penalty, nullptr, 0, 1e30, true, "> 0"},
    {"repeat-last-n", nullptr, &ServeOptions::repeat_last_n, 0, INT32_MAX, false, "an integer >= 0"},
};

// Takes `--name value` when it is a sampling option (false otherwise), noting it in
// o.sampling_given; *error says why the value is refused ("" when it is taken).
bool ReadSamplingFlag(const std::string& option, const std::string& v, ServeOptions& o, std::string* error) {
  for (const SamplingFlag& f : kSamplingFlags) {
    if (option != std::string("--") + f.name) continue;
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(x >= f.lo && x <= f.hi) || (f.low_open && x == f.lo) ||
        (f.whole && x != std::floor(x))) {
      *error = option + " must be " + f.range + ", not " + v;
    } else if (f.whole) {
      o.*f.whole = static_cast<int32_t>(x);
    } else {
      o.*f.real = static_cast<float>(x);
    }
    for (const gemmakit_app::SamplingOption& known : gemmakit_app::kSamplingOptions) {
      if (option == std::string("--") + known.name) o.sampling_given |= known.bit;
    }
    return true;
  }
  return false;
}

}  // namespace

bool ParseServeOptions(int argc, char** argv, ServeOptions& o, int* exit_code) {
  auto fail = [&](const std::string& msg) {
    fprintf(stderr, "gemmakit-serve: %s\n%s", msg.c_str(), kUsage);
    *exit_code = 2;
    return false;
  };
  if (const char* env = std::getenv("GEMMAKIT_API_KEY"); env && *env) o.api_keys.insert(env);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      fputs(kUsage, stdout);
      *exit_code = 0;
      return false;
    }
    if (a == "--verbose") {
      o.verbose = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      if (!o.model_path.empty()) return fail("more than one model: " + a);
      o.model_path = a;
      continue;
    }
    if (i + 1 >= argc) return fail(a + " needs a value");
    const std::string v = argv[++i];
    if (std::string why; ReadSamplingFlag(a, v, o, &why)) {
      if (!why.empty()) return fail(why);
      continue;
    }
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    const bool numeric = end && *end == '\0' && !v.empty() && n >= 0;
    auto number = [&](auto& field) {
      if (!numeric) return fail(a + ": not a number: " + v);
      field = static_cast<std::remove_reference_t<decltype(field)>>(n);
      return true;
    };
    bool ok = true;
    if (a == "--model") o.model_path = v;
    else if (a == "--host") o.host = v;
    else if (a == "--port") ok = number(o.port);
    else if (a == "--model-name") o.model_name = v;
    else if (a == "--mmproj") o.mmproj_path = v;
    else if (a == "--weights") ok = WeightType(v, o.weight_type) || fail(gemmakit_last_error());
    else if (a == "--precision") ok = Precision(v, o.precision) || fail("--precision must be exact or fast");
    else if (a == "--lora") o.loras.push_back(gemmakit_app::ParseLoraSpec(v));
    else if (a == "--lora-merge") o.lora_merges.push_back(gemmakit_app::ParseLoraSpec(v));
    else if (a == "--api-key") o.api_keys.insert(v);
    else if (a == "--api-key-file") ok = ReadKeyFile(v, o.api_keys) || fail("cannot read " + v);
    else if (a == "--rate-limit") ok = number(o.rate_limit);
    else if (a == "--max-body-bytes") ok = number(o.max_body_bytes);
    else if (a == "--parallel") ok = number(o.parallel);
    else if (a == "--max-queue") ok = number(o.max_queue);
    else if (a == "--cache-sessions") ok = number(o.idle_sessions);
    else if (a == "--ctx") ok = number(o.context);
    else if (a == "--threads") ok = number(o.threads);
    else if (a == "--http-threads") ok = number(o.http_threads);
    else return fail("unknown option " + a);
    if (!ok) return false;
  }
  if (const char* env = std::getenv("GEMMAKIT_MODEL"); o.model_path.empty() && env) o.model_path = env;
  if (o.model_path.empty()) return fail("no model given");
  if (o.parallel < 1) return fail("--parallel must be at least 1");
  if (o.http_threads < 2) return fail("--http-threads must be at least 2");
  if (o.model_name.empty()) {
    std::string p = o.model_path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    const size_t slash = p.find_last_of('/');
    o.model_name = slash == std::string::npos ? p : p.substr(slash + 1);
  }
  return true;
}

}  // namespace gemmakit_serve
