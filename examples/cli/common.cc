#include "common.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lora_option.h"
#include "model_sampling.h"

namespace cli {

int LibraryError(const char* what) {
  std::fprintf(stderr, "gemmakit: %s: %s\n", what, gemmakit_last_error());
  return 1;
}

int UsageError(const std::string& message, const char* usage) {
  std::fprintf(stderr, "gemmakit: %s\n%s", message.c_str(), usage);
  return 2;
}

int ReadPrecision(const Args& args, gemmakit_model_params& mp) {
  const std::string p = args.Get("precision");
  if (p.empty() || p == "exact") {
    mp.precision = GEMMAKIT_PRECISION_EXACT;
  } else if (p == "fast") {
    mp.precision = GEMMAKIT_PRECISION_FAST;
  } else {
    std::fprintf(stderr, "gemmakit: unknown --precision %s (use exact or fast)\n", p.c_str());
    return 2;
  }
  return 0;
}

int LoadModel(const Args& args, gemmakit_model** model) {
  std::string path = args.Get("model");
  if (path.empty()) {
    const char* env = std::getenv("GEMMAKIT_MODEL");
    if (env) path = env;
  }
  if (path.empty()) {
    std::fprintf(stderr, "gemmakit: no model: pass --model DIR or set GEMMAKIT_MODEL\n");
    return 2;
  }
  gemmakit_model_params mp;
  gemmakit_model_params_init(&mp, sizeof mp);
  const std::string mmproj = args.Get("mmproj");  // vision projector GGUF, for commands that take one
  if (!mmproj.empty()) mp.mmproj_path = mmproj.c_str();
  const std::string slice = args.Get("slice");  // a MatFormer slice of a Gemma 3n checkpoint
  if (!slice.empty()) mp.slice_path = slice.c_str();
  if (int rc = ReadPrecision(args, mp)) return rc;
  const LoraMergeOptions merge(args);
  merge.Apply(mp);
  if (gemmakit_model_load(path.c_str(), &mp, model) != GEMMAKIT_OK) return LibraryError("cannot load model");
  return 0;
}

const std::set<std::string>& SessionOptionNames() {
  static const std::set<std::string> names = {"kv-type", "context-full", "lora", "lora-merge"};
  return names;
}

bool ParseKvType(const std::string& name, int32_t* kv_type) {
  static const char* const kNames[] = {"f32", "bf16", "f16", "q8_0"};  // GEMMAKIT_KV_* order
  for (int32_t i = 0; i < 4; ++i) {
    if (name == kNames[i]) {
      *kv_type = i;
      return true;
    }
  }
  return false;
}

bool ParseWeightType(const std::string& name, int32_t* weight_type) {
  return gemmakit_weight_type_from_name(name.c_str(), weight_type) == GEMMAKIT_OK;
}

int OpenSession(const Args& args, long long threads, long long ctx, gemmakit_model** model, gemmakit_session** session) {
  *session = nullptr;
  gemmakit_session_params sp;
  gemmakit_session_params_init(&sp, sizeof sp);
  if (args.Has("kv-type") && !ParseKvType(args.Get("kv-type"), &sp.kv_type)) {
    std::fprintf(stderr, "gemmakit: --kv-type must be f32, bf16, f16 or q8_0\n");
    return 2;
  }
  const std::string policy = args.Get("context-full");
  if (!policy.empty() && policy != "stop" && policy != "drop-oldest") {
    std::fprintf(stderr, "gemmakit: --context-full must be stop or drop-oldest\n");
    return 2;
  }
  sp.context_full = policy == "drop-oldest" ? GEMMAKIT_CONTEXT_FULL_DROP_OLDEST : GEMMAKIT_CONTEXT_FULL_STOP;
  if (int rc = LoadModel(args, model)) return rc;
  sp.n_threads = static_cast<int32_t>(threads);
  sp.context_length = ctx;
  int rc = 0;
  if (gemmakit_session_create(*model, &sp, session) != GEMMAKIT_OK) {
    rc = LibraryError("cannot create session");
  } else if ((rc = ApplyLoraOptions(args, *model, *session)) != 0) {
    gemmakit_session_free(*session);
    *session = nullptr;
  }
  if (rc != 0) {
    gemmakit_model_free(*model);
    *model = nullptr;
  }
  return rc;
}

const std::set<std::string>& SamplingOptionNames() {
  static const std::set<std::string> names = {"max-tokens", "temperature", "top-k", "top-p", "min-p",
                                              "repeat-penalty", "repeat-last-n", "seed", "stop",
                                              "grammar", "grammar-root", "json-schema"};
  return names;
}

const std::set<std::string>& SamplingFlagNames() {
  static const std::set<std::string> names = {"json"};
  return names;
}

namespace {
// The whole file named by option `name` into out; false with `error` set when unreadable.
bool ReadOptionFile(const Args& args, const char* name, std::string& out, std::string& error) {
  if (!args.Has(name)) return true;
  std::ifstream f(args.Get(name), std::ios::binary);
  std::stringstream ss;
  if (!(f && ss << f.rdbuf())) {
    error = std::string("--") + name + ": cannot read " + args.Get(name);
    return false;
  }
  out = ss.str();
  return true;
}
}  // namespace

bool ReadSamplingOptions(const Args& args, SamplingOptions& o, std::string& error) {
  gemmakit_sampling_params_init(&o.sampling, sizeof o.sampling);
  gemmakit_generate_params_init(&o.generate, sizeof o.generate);
  long long max_tokens = 0, top_k = 0, last_n = 0, seed = 0;
  double temperature = 0, top_p = 0, min_p = 0, penalty = 0;
  if (!args.GetInt("max-tokens", o.generate.max_tokens, max_tokens, error) ||
      !args.GetInt("top-k", o.sampling.top_k, top_k, error) ||
      !args.GetInt("repeat-last-n", o.sampling.repeat_last_n, last_n, error) ||
      !args.GetInt("seed", -1, seed, error) ||
      !args.GetFloat("temperature", o.sampling.temperature, temperature, error) ||
      !args.GetFloat("top-p", o.sampling.top_p, top_p, error) ||
      !args.GetFloat("min-p", o.sampling.min_p, min_p, error) ||
      !args.GetFloat("repeat-penalty", o.sampling.repeat_penalty, penalty, error)) {
    return false;
  }
  if (max_tokens < 0 || max_tokens > 1 << 30) {
    error = "--max-tokens out of range";
    return false;
  }
  o.generate.max_tokens = static_cast<int32_t>(max_tokens);
  o.sampling.top_k = static_cast<int32_t>(top_k);
  o.sampling.repeat_last_n = static_cast<int32_t>(last_n);
  o.sampling.seed = seed < 0 ? GEMMAKIT_SEED_RANDOM : static_cast<uint64_t>(seed);
  o.sampling.temperature = static_cast<float>(temperature);
  o.sampling.top_p = static_cast<float>(top_p);
  o.sampling.min_p = static_cast<float>(min_p);
  o.sampling.repeat_penalty = static_cast<float>(penalty);
  o.stop_storage = args.GetAll("stop");
  for (const auto& s : o.stop_storage) o.stop_ptrs.push_back(s.c_str());
  o.generate.sampling = &o.sampling;
  o.generate.stop = o.stop_ptrs.data();
  o.generate.n_stop = o.stop_ptrs.size();
  o.generate.on_text = PrintText;
  if (!ReadOptionFile(args, "grammar", o.grammar, error) || !ReadOptionFile(args, "json-schema", o.json_schema, error)) {
    return false;
  }
  o.grammar_root = args.Get("grammar-root", "root");
  if (args.Has("grammar")) o.sampling.grammar = o.grammar.c_str();
  o.sampling.grammar_root = o.grammar_root.c_str();
  if (args.Has("json-schema")) o.sampling.json_schema = o.json_schema.c_str();
  o.sampling.json_mode = args.Has("json") ? 1 : 0;
  return true;
}

int UseModelSampling(const Args& args, const gemmakit_model* model, SamplingOptions& o) {
  int32_t given = 0;
  for (const gemmakit_app::SamplingOption& option : gemmakit_app::kSamplingOptions) {
    if (args.Has(option.name)) given |= option.bit;
  }
  return gemmakit_app::TakeModelSampling(model, given, o.sampling) ? 0
                                                                   : LibraryError("cannot read the model's sampling");
}

int32_t PrintText(const char* text, size_t len, void*) {
  std::fwrite(text, 1, len, stdout);
  std::fflush(stdout);
  return 0;
}

void PrintStats(const gemmakit_generation& g) {
  const double pp = g.prompt_seconds > 0 ? static_cast<double>(g.n_prompt_tokens) / g.prompt_seconds : 0;
  const double tg = g.decode_seconds > 0 ? static_cast<double>(g.n_decoded) / g.decode_seconds : 0;
  std::fprintf(stderr,
               "\n[prompt: %lld tokens, %.1f tokens/s | generation: %d tokens, %.1f tokens/s | "
               "time to first token: %.1f ms]\n",
               static_cast<long long>(g.n_prompt_tokens), pp, g.n_tokens, tg, g.first_token_seconds * 1e3);
}

}  // namespace cli
