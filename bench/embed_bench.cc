// Embeddings per second for short texts (16 tokens with <bos> and <eos> under the tiny 640-piece
// vocabulary), one text per call and 32 per call (one encoder pass), on 2 threads, at exact and
// fast precision. Model: $GEMMAKIT_BENCH_EMBED_MODEL (e.g. make_model's embeddinggemma-300m
// geometry with the tiny tokenizer), else the bundled tiny EmbeddingGemma.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gemmakit/embedding.h"

namespace gemmakit {
namespace {

std::shared_ptr<const Model> EmbedModel(bool fast) {
  static std::shared_ptr<const Model> models[2];
  if (!models[fast]) {
    const char* env = std::getenv("GEMMAKIT_BENCH_EMBED_MODEL");
    LoadOptions lo;
    lo.precision = fast ? Precision::kFast : Precision::kExact;
    models[fast] = Model::Load(env ? env : GEMMAKIT_BENCH_EMBED_DEFAULT_MODEL, lo);
  }
  return models[fast];
}

// range(0): texts per call; range(1): 1 for Precision::kFast.
void BM_EmbedShortTexts(benchmark::State& state) {
  const auto model = EmbedModel(state.range(1) != 0);
  std::vector<std::string> texts;
  for (int64_t i = 0; i < state.range(0); ++i) texts.push_back("Red fox jumps over " + std::to_string(i % 10));
  EmbedOptions o;
  o.n_threads = 2;
  std::vector<EmbeddingTrace> traces;
  Embed(*model, {texts[0]}, o, &traces);
  state.counters["tokens_per_text"] = static_cast<double>(traces[0].ids.size());
  for (auto _ : state) benchmark::DoNotOptimize(Embed(*model, texts, o));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EmbedShortTexts)->ArgsProduct({{1, 32}, {0, 1}})->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2);

}  // namespace
}  // namespace gemmakit
