// Tokenizer speed with Gemma 3's real 262K vocabulary: loading tokenizer.json (parse, convert to
// SentencePiece, load), encoding ~1 MB of mixed multilingual text, decoding and streaming it back.
//   GEMMAKIT_TOKENIZER_JSON=path/to/tokenizer.json build/bench/gemmakit_bench --benchmark_filter=Tokeniz
// The ctest fixture gemma3_tokenizer_fetch writes one to build/tests/gemma3_tokenizer/. The text is
// tests/tokenizer/corpus.json repeated (GEMMAKIT_TOKENIZER_CORPUS overrides the path).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "gemmakit/tokenizer.h"

namespace gemmakit {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// ~1 MB: the corpus lines (13+ scripts, code, emoji, whitespace runs) joined by newlines, repeated.
const std::string& MixedText() {
  static const std::string text = [] {
    std::string path = Env("GEMMAKIT_TOKENIZER_CORPUS");
    if (path.empty()) {
      const std::string here = __FILE__;
      path = here.substr(0, here.rfind('/')) + "/../tests/tokenizer/corpus.json";
    }
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string lines;
    for (const auto& line : nlohmann::json::parse(ss.str(), nullptr, false)) {
      if (line.is_object()) lines += line.value("text", "") + "\n";
    }
    std::string out;
    while (!lines.empty() && out.size() < (1u << 20)) out += lines;
    return out;
  }();
  return text;
}

// Null (with the state marked skipped) when GEMMAKIT_TOKENIZER_JSON is unset or unreadable.
const Tokenizer* Shared(benchmark::State& state) {
  static const std::unique_ptr<Tokenizer> tok = []() -> std::unique_ptr<Tokenizer> {
    const std::string path = Env("GEMMAKIT_TOKENIZER_JSON");
    if (path.empty()) return nullptr;
    try {
      return Tokenizer::FromTokenizerJson(path);
    } catch (const std::exception&) {
      return nullptr;
    }
  }();
  if (!tok) state.SkipWithError("set GEMMAKIT_TOKENIZER_JSON to a Gemma tokenizer.json");
  if (MixedText().empty()) state.SkipWithError("tests/tokenizer/corpus.json not found (GEMMAKIT_TOKENIZER_CORPUS)");
  return tok.get();
}

void BM_TokenizerLoadJson(benchmark::State& state) {
  const std::string path = Env("GEMMAKIT_TOKENIZER_JSON");
  if (path.empty()) {
    state.SkipWithError("set GEMMAKIT_TOKENIZER_JSON to a Gemma tokenizer.json");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(Tokenizer::FromTokenizerJson(path));
}
BENCHMARK(BM_TokenizerLoadJson)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_Tokenize1MB(benchmark::State& state) {
  const Tokenizer* tok = Shared(state);
  if (!tok) return;
  const std::string& text = MixedText();
  size_t n_ids = 0;
  for (auto _ : state) {
    const auto ids = tok->Encode(text, /*parse_special=*/true);
    n_ids = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(n_ids);
  state.counters["bytes"] = static_cast<double>(text.size());
}
BENCHMARK(BM_Tokenize1MB)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Detokenize1MB(benchmark::State& state) {
  const Tokenizer* tok = Shared(state);
  if (!tok) return;
  const auto ids = tok->Encode(MixedText(), true);
  for (auto _ : state) benchmark::DoNotOptimize(tok->Decode(ids));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * MixedText().size()));
}
BENCHMARK(BM_Detokenize1MB)->Unit(benchmark::kMillisecond)->UseRealTime();

// Streaming as generation does it: one Push per token.
void BM_StreamDecode1MB(benchmark::State& state) {
  const Tokenizer* tok = Shared(state);
  if (!tok) return;
  const auto ids = tok->Encode(MixedText(), true);
  for (auto _ : state) {
    StreamDecoder stream(*tok);
    size_t bytes = 0;
    for (int32_t id : ids) bytes += stream.Push(id).size();
    bytes += stream.Flush().size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * ids.size()));
}
BENCHMARK(BM_StreamDecode1MB)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gemmakit
