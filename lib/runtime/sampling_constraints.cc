#include "runtime/sampling_constraints.h"

#include <mutex>

#include "gemmakit/status.h"
#include "runtime/grammar/grammar_constraint.h"
#include "runtime/grammar/json_schema.h"
#include "runtime/model_impl.h"

namespace gemmakit {
namespace {

std::string KeyOf(const SamplingParams& p) {
  if (!p.grammar.empty()) return "g" + std::to_string(p.grammar_root.size()) + ":" + p.grammar_root + p.grammar;
  if (!p.json_schema.empty()) return "s" + p.json_schema;
  return p.json_mode ? "j" : "";
}

grammar::Grammar Compile(const SamplingParams& p) {
  if (!p.grammar.empty()) return grammar::ParseGbnf(p.grammar, p.grammar_root);
  if (!p.json_schema.empty()) return grammar::ParseGbnf(grammar::JsonSchemaToGbnf(p.json_schema));
  return grammar::ParseGbnf(grammar::JsonObjectGbnf());
}

}  // namespace

std::shared_ptr<const grammar::TokenTrie> ModelTokenTrie(const Model& model) {
  const Model::Impl& m = model.impl();
  std::call_once(m.token_trie_once, [&] { m.token_trie = grammar::TokenTrie::Build(model.tokenizer()); });
  return m.token_trie;
}

SamplingConstraints::SamplingConstraints() = default;
SamplingConstraints::~SamplingConstraints() = default;

void SamplingConstraints::Prepare(const SamplingParams& params, const Model& model) {
  const std::string key = KeyOf(params);
  if (key == key_) return;
  grammar_.reset();
  key_.clear();
  if (key.empty()) return;
  grammar::Grammar g = Compile(params);
  const SpecialTokens& sp = model.tokenizer().special();
  grammar_ = std::make_unique<grammar::GrammarConstraint>(std::move(g), ModelTokenTrie(model),
                                                          std::vector<int32_t>{sp.eos, sp.end_of_turn});
  key_ = key;
}

void SamplingConstraints::Restart() {
  if (grammar_) grammar_->Reset();
}

void SamplingConstraints::Apply(const SamplingParams& params, float* logits, size_t n) {
  for (const LogitBias& b : params.logit_bias) {
    if (b.token < 0 || static_cast<size_t>(b.token) >= n) {
      Fail(Status::kInvalidArgument, "logit bias: token " + std::to_string(b.token) + " is outside the vocabulary [0, " +
                                         std::to_string(n) + ")");
    }
    logits[b.token] += b.bias;
  }
  if (grammar_) grammar_->Mask(logits, n);
}

void SamplingConstraints::Accept(const SamplingParams& params, int32_t token) {
  if (grammar_ && HasConstraint(params)) grammar_->Accept(token);
}

}  // namespace gemmakit
