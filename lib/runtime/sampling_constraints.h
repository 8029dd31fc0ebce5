// What a session applies to the logits before the sampler draws: SamplingParams' logit bias and
// grammar (GBNF, JSON schema or JSON mode). The compiled grammar and what its matcher learned
// stay while later draws ask for the same one, so a generation pays for them once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "gemmakit/model.h"
#include "gemmakit/sampling.h"

namespace gemmakit {
namespace grammar {
class GrammarConstraint;
class TokenTrie;
}  // namespace grammar

class SamplingConstraints {
 public:
  SamplingConstraints();
  ~SamplingConstraints();
  SamplingConstraints(const SamplingConstraints&) = delete;
  SamplingConstraints& operator=(const SamplingConstraints&) = delete;

  // Compiles the grammar params ask for unless it is the one held (then its state stays).
  // Throws Error(kInvalidArgument) naming the line and column of a GBNF error or the byte / path
  // of a schema error.
  void Prepare(const SamplingParams& params, const Model& model);
  // The next draw starts the grammar from the beginning.
  void Restart();
  // Adds the bias and masks tokens the grammar refuses, in logits[0, n). Call Prepare first.
  void Apply(const SamplingParams& params, float* logits, size_t n);
  // Follows the token drawn.
  void Accept(const SamplingParams& params, int32_t token);

 private:
  std::string key_;  // what the held grammar was compiled from
  std::unique_ptr<grammar::GrammarConstraint> grammar_;
};

// The trie of the model's token bytes, built on first use and kept by the model.
std::shared_ptr<const grammar::TokenTrie> ModelTokenTrie(const Model& model);

}  // namespace gemmakit
