// What constrained decoding adds to each generated token on Gemma 3's real 262K vocabulary:
// the logits copied, the grammar's mask applied, the chosen token followed. A JSON document is
// tokenized and replayed token by token, as a generation under its schema (or JSON mode) would
// draw it. "cold" builds the constraint anew each pass (every matcher state and mask computed
// for the first time, as in the first generation with a grammar); "warm" reuses it (what a
// session does for later generations with the same grammar). The token trie is built once per
// model (BM_GrammarTokenTrieBuild).
//   GEMMAKIT_TOKENIZER_JSON=path/to/tokenizer.json build/bench/gemmakit_bench --benchmark_filter=Grammar
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "gemmakit/tokenizer.h"
#include "runtime/grammar/grammar_constraint.h"
#include "runtime/grammar/json_schema.h"
#include "runtime/grammar/token_trie.h"

namespace gemmakit {
namespace {

constexpr const char* kSchema = R"({"type": "object", "properties": {
  "name": {"type": "string", "maxLength": 40},
  "born": {"type": "string", "format": "date"},
  "height_m": {"type": "number"},
  "languages": {"type": "array", "items": {"type": "string"}, "maxItems": 8},
  "address": {"type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"}},
              "required": ["city"], "additionalProperties": false},
  "status": {"enum": ["active", "retired"]}},
  "required": ["name", "born", "languages", "status"], "additionalProperties": false})";

constexpr const char* kDocument =
    "{\"name\": \"Ada Lovelace, Countess of Lovelace\", \"born\": \"1815-12-10\", \"height_m\": 1.65, "
    "\"languages\": [\"English\", \"French\", \"Italiano\", \"Deutsch\"], "
    "\"address\": {\"city\": \"London\", \"zip\": \"W1 8AA\"}, \"status\": \"retired\"}";

struct Vocab {
  std::unique_ptr<Tokenizer> tokenizer;
  std::shared_ptr<const grammar::TokenTrie> trie;
  std::vector<int32_t> document;
};

// Null (the benchmark skipped) without GEMMAKIT_TOKENIZER_JSON.
const Vocab* LoadVocab(benchmark::State& state) {
  static const std::unique_ptr<Vocab> vocab = []() -> std::unique_ptr<Vocab> {
    const char* path = std::getenv("GEMMAKIT_TOKENIZER_JSON");
    if (!path) return nullptr;
    auto v = std::make_unique<Vocab>();
    try {
      v->tokenizer = Tokenizer::FromTokenizerJson(path);
    } catch (const std::exception&) {
      return nullptr;
    }
    v->trie = grammar::TokenTrie::Build(*v->tokenizer);
    v->document = v->tokenizer->Encode(kDocument);
    return v;
  }();
  if (!vocab) state.SkipWithError("set GEMMAKIT_TOKENIZER_JSON to Gemma 3's tokenizer.json");
  return vocab.get();
}

grammar::Grammar BenchGrammar(bool json_mode) {
  return grammar::ParseGbnf(json_mode ? grammar::JsonObjectGbnf() : grammar::JsonSchemaToGbnf(kSchema));
}

// One pass over the document: per token, copy the logits, mask them, follow the token.
void Replay(grammar::GrammarConstraint& c, const Vocab& v, const std::vector<float>& logits, std::vector<float>& work) {
  for (int32_t t : v.document) {
    work = logits;
    c.Mask(work.data(), work.size());
    benchmark::DoNotOptimize(work.data());
    c.Accept(t);
  }
}

void BM_GrammarTokenTrieBuild(benchmark::State& state) {
  const Vocab* v = LoadVocab(state);
  if (!v) return;
  for (auto _ : state) benchmark::DoNotOptimize(grammar::TokenTrie::Build(*v->tokenizer));
  state.counters["tokens"] = static_cast<double>(v->trie->n_tokens());
  state.counters["trie_nodes"] = static_cast<double>(v->trie->n_nodes());
}
BENCHMARK(BM_GrammarTokenTrieBuild)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

// state.range(0): 1 JSON mode, 0 the schema; state.range(1): 1 warm, 0 cold.
void BM_GrammarPerToken(benchmark::State& state) {
  const Vocab* v = LoadVocab(state);
  if (!v) return;
  const bool json_mode = state.range(0) != 0, warm = state.range(1) != 0;
  const SpecialTokens& sp = v->tokenizer->special();
  const std::vector<int32_t> ends = {sp.eos, sp.end_of_turn};
  const std::vector<float> logits(v->trie->n_tokens(), 0.5f);
  std::vector<float> work;
  grammar::GrammarConstraint reused(BenchGrammar(json_mode), v->trie, ends);
  if (warm) Replay(reused, *v, logits, work);
  size_t n_states = 0, n_masks = 0;
  for (auto _ : state) {
    if (warm) {
      reused.Reset();
      Replay(reused, *v, logits, work);
    } else {
      grammar::GrammarConstraint fresh(BenchGrammar(json_mode), v->trie, ends);
      Replay(fresh, *v, logits, work);
      n_states = fresh.n_matcher_states();
      n_masks = fresh.n_masks();
    }
  }
  state.counters["tokens"] = static_cast<double>(v->document.size());
  if (!warm) state.counters["states"] = static_cast<double>(n_states);
  if (!warm) state.counters["masks"] = static_cast<double>(n_masks);
  state.counters["per_token"] = benchmark::Counter(static_cast<double>(v->document.size()),
                                                   benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_GrammarPerToken)
    ->ArgsProduct({{0, 1}, {0, 1}})
    ->ArgNames({"json_mode", "warm"})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The same replay without a grammar: the logits copy alone, to subtract.
void BM_GrammarBaselineCopy(benchmark::State& state) {
  const Vocab* v = LoadVocab(state);
  if (!v) return;
  const std::vector<float> logits(v->trie->n_tokens(), 0.5f);
  std::vector<float> work;
  for (auto _ : state) {
    for (size_t i = 0; i < v->document.size(); ++i) {
      work = logits;
      benchmark::DoNotOptimize(work.data());
    }
  }
  state.counters["per_token"] = benchmark::Counter(static_cast<double>(v->document.size()),
                                                   benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_GrammarBaselineCopy)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gemmakit
