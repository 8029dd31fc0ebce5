// How the next token is chosen from the logits. Applied in HuggingFace's order: repetition
// penalty, temperature, top-k, top-p, min-p, then a draw from what is left.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gemmakit {

// Added to a token's logit before anything else; -infinity bans the token.
struct LogitBias {
  int32_t token = 0;
  float bias = 0.f;
};

struct SamplingParams {
  float temperature = 1.0f;     // 0: greedy (argmax; ties go to the lowest id)
  int32_t top_k = 64;           // 0: off
  float top_p = 0.95f;          // 1: off
  float min_p = 0.0f;           // 0: off; drops tokens below min_p · p(most likely)
  float repeat_penalty = 1.0f;  // 1: off; divides positive / multiplies negative logits of recent tokens
  int32_t repeat_last_n = 64;   // how many recent tokens the penalty looks at
  uint64_t seed = 0;            // same seed, same draws
  std::vector<LogitBias> logit_bias;
  // Constrained decoding (at most one of the three): only tokens that keep the text a prefix of
  // the grammar's language are drawn, and <eos> / <end_of_turn> only once the text is complete
  // (runtime/grammar). A session keeps the grammar's state between draws; SeedSampler (which
  // every generation calls first) starts it again.
  std::string grammar;              // GBNF text, as llama.cpp's grammars are written
  std::string grammar_root = "root";
  std::string json_schema;          // a JSON schema (runtime/grammar/json_schema.h says what it may use)
  bool json_mode = false;           // any JSON object
};

// SamplingParams' fields as bits, to say which of them a checkpoint recommends
// (ModelInfo::recommended_sampling_fields). The values of the C API's GEMMAKIT_SAMPLING_*.
enum class SamplingFieldBit : uint32_t {
  kTemperature = 1u << 0,
  kTopK = 1u << 1,
  kTopP = 1u << 2,
  kMinP = 1u << 3,
  kRepeatPenalty = 1u << 4,
  kRepeatLastN = 1u << 5,
};

// Whether params ask for a grammar, a schema or JSON mode.
inline bool HasConstraint(const SamplingParams& p) {
  return !p.grammar.empty() || !p.json_schema.empty() || p.json_mode;
}

// xoshiro256**: small, fast, and its whole state fits in four words that a saved session can carry.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) { Seed(seed); }
  void Seed(uint64_t seed);
  uint64_t Next();
  double Uniform();  // [0, 1)
  uint64_t state[4];
};

// Throws Error(kInvalidArgument) for out-of-range params (negative temperature, top_p outside
// (0, 1], a NaN bias, more than one constraint, ...).
void ValidateSamplingParams(const SamplingParams& p);

// Picks a token from logits[vocab]. `recent` holds the tokens the repetition penalty considers.
int32_t SampleToken(const float* logits, int32_t vocab, const SamplingParams& params,
                    const std::vector<int32_t>& recent, Rng& rng);

}  // namespace gemmakit
