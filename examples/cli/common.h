// What several CLI commands share: model loading with --model / GEMMAKIT_MODEL, error printing,
// sampling options.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "args.h"
#include "gemmakit.h"

namespace cli {

// Prints "gemmakit: <what>: <last error>" and returns 1.
int LibraryError(const char* what);
int UsageError(const std::string& message, const char* usage);

// --precision exact|fast into the model params. Returns an exit code (0 on success).
int ReadPrecision(const Args& args, gemmakit_model_params& mp);
// --model, else $GEMMAKIT_MODEL, with --precision. Returns an exit code (0 on success).
int LoadModel(const Args& args, gemmakit_model** model);
// The session options every session-opening command takes: --kv-type, --context-full.
const std::set<std::string>& SessionOptionNames();
// "f32", "bf16", "f16", "q8_0" to GEMMAKIT_KV_*; false when unknown.
bool ParseKvType(const std::string& name, int32_t* kv_type);

// "q4_k_m" → GEMMAKIT_WEIGHTS_Q4_K_M, ...; false for a name the C API does not take.
bool ParseWeightType(const std::string& name, int32_t* weight_type);
// LoadModel, then a session with `threads` and context `ctx` (0: defaults) and the options of
// SessionOptionNames(). Returns an exit code; on success both handles are set, on failure neither is.
int OpenSession(const Args& args, long long threads, long long ctx, gemmakit_model** model, gemmakit_session** session);

// The options of `generate` and `chat` that shape sampling and stopping.
const std::set<std::string>& SamplingOptionNames();
struct SamplingOptions {
  gemmakit_sampling_params sampling;
  gemmakit_generate_params generate;
  std::vector<std::string> stop_storage;
  std::vector<const char*> stop_ptrs;
  std::string grammar, grammar_root, json_schema;  // --grammar FILE, --grammar-root, --json-schema FILE
};
// Flags (options without a value) of `generate` and `chat` that shape sampling: --json.
const std::set<std::string>& SamplingFlagNames();
// Returns false with `error` set when an option does not parse. Options left out get
// gemmakit_sampling_params_init's values, until UseModelSampling.
bool ReadSamplingOptions(const Args& args, SamplingOptions& out, std::string& error);
// Sampling options the user left out take the model's recommended values, as in llama-cli.
// Returns an exit code (0 on success).
int UseModelSampling(const Args& args, const gemmakit_model* model, SamplingOptions& o);

// Streams generated text to stdout as it comes.
int32_t PrintText(const char* text, size_t len, void* user_data);
// Prompt and generation speed and time to first token, to stderr.
void PrintStats(const gemmakit_generation& g);

}  // namespace cli
