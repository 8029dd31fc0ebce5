// Prefix reuse in a multi-turn chat: time to first token of turn 5 when the session already holds
// turns 1–4 (only the new turn is evaluated) against a fresh session that must read the whole
// history. Model: $GEMMAKIT_BENCH_MODEL (a folder or GGUF; e.g. make_model's 1b geometry), else
// the bundled tiny Gemma 3.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "gemmakit/session.h"

namespace gemmakit {
namespace {

std::shared_ptr<const Model> BenchModel() {
  static const std::shared_ptr<const Model> model = [] {
    const char* env = std::getenv("GEMMAKIT_BENCH_MODEL");
    return Model::Load(env ? env : GEMMAKIT_BENCH_DEFAULT_MODEL);
  }();
  return model;
}

// A system prompt, turns - 1 finished exchanges of ~100 tokens each, then one more question.
std::vector<ChatMessage> Conversation(int turns) {
  std::vector<ChatMessage> c = {{"system", "You are a careful assistant who answers in full sentences about "
                                           "geography, history and the sciences, citing sources when asked."}};
  for (int t = 0; t < turns; ++t) {
    c.push_back({"user", "Question " + std::to_string(t + 1) + ": tell me about the rivers, mountains and "
                         "cities of region number " + std::to_string(17 * t + 3) + ", and how they shaped its trade."});
    if (t + 1 < turns) {
      std::string answer = "Answer " + std::to_string(t + 1) + ":";
      for (int w = 0; w < 12; ++w) answer += " the valley trade ran along river " + std::to_string(w) + ";";
      c.push_back({"model", answer});
    }
  }
  return c;
}

GenerateOptions Greedy(int max_tokens) {
  GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampling.temperature = 0.f;
  return o;
}

// range(0): 1 = the session holds turns 1-4 (reuse), 0 = a fresh session reads everything.
void BM_ChatTurn5FirstToken(benchmark::State& state) {
  const bool reuse = state.range(0) != 0;
  const auto model = BenchModel();
  SessionOptions so;
  so.n_threads = 2;
  // As an app runs it: turn 4 is answered by the model, and turn 5 passes that answer back.
  const std::vector<ChatMessage> four = Conversation(4);
  Session answered(model, so);
  std::vector<ChatMessage> five = four;
  five.push_back({"model", answered.Chat(four, Greedy(24)).text});
  five.push_back({"user", "Question 5: and which of those cities grew fastest?"});
  double evaluated = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Session s(model, so);
    if (reuse) s.Chat(four, Greedy(24));
    state.ResumeTiming();
    const GenerateResult r = s.Chat(five, Greedy(1));
    evaluated = static_cast<double>(r.n_prompt_tokens);
    benchmark::DoNotOptimize(r.tokens.data());
  }
  state.counters["prompt_tokens_evaluated"] = evaluated;
  state.SetLabel(reuse ? "turn 5, turns 1-4 held" : "turn 5, fresh session");
}
BENCHMARK(BM_ChatTurn5FirstToken)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace gemmakit
