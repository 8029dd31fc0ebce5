// Generation through the C++ API on a real (tiny) checkpoint: greedy output against the golden,
// streaming, stop strings, seeds, multi-turn prefix reuse and the context limit.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "test_util.h"

namespace gemmakit {
namespace {

struct GoldenCase {
  std::string text;
  std::vector<int32_t> greedy;
};

GoldenCase LoadCase(const std::string& model, const std::string& name) {
  nlohmann::json g = nlohmann::json::parse(test::ReadFile(test::DataPath(model + "/golden.json")));
  for (const auto& c : g["cases"]) {
    if (c["name"] == name) return {c["text"].get<std::string>(), c["greedy_ids"].get<std::vector<int32_t>>()};
  }
  throw std::runtime_error("no case " + name);
}

class SessionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new std::shared_ptr<const Model>(Model::Load(test::DataPath("gemma2-mini"))); }
  static void TearDownTestSuite() { delete model_; }
  static const std::shared_ptr<const Model>& model() { return *model_; }
  static GenerateOptions Greedy(int max_tokens) {
    GenerateOptions o;
    o.max_tokens = max_tokens;
    o.sampling.temperature = 0;
    return o;
  }
  static std::shared_ptr<const Model>* model_;
};
std::shared_ptr<const Model>* SessionTest::model_ = nullptr;

TEST_F(SessionTest, GreedyGenerationMatchesGoldenAndStreamsTheSameText) {
  const GoldenCase c = LoadCase("gemma2-mini", "long_mixed");
  Session s(model());
  GenerateOptions o = Greedy(16);
  std::string streamed;
  o.on_text = [&](std::string_view t) {
    streamed += t;
    return true;
  };
  const GenerateResult r = s.Generate(c.text, o);
  const SpecialTokens& sp = model()->tokenizer().special();
  std::vector<int32_t> want;
  for (int32_t t : c.greedy) {
    if (t == sp.eos || t == sp.end_of_turn) break;
    want.push_back(t);
  }
  EXPECT_EQ(r.tokens, want);
  EXPECT_EQ(r.stop_reason, want.size() == 16 ? StopReason::kMaxTokens : StopReason::kEndOfTurn);
  EXPECT_EQ(streamed, r.text);
  EXPECT_EQ(r.text, model()->tokenizer().Decode(r.tokens));
  EXPECT_GT(r.n_prompt_tokens, 0);
}

TEST_F(SessionTest, StopStringEndsGenerationBeforeIt) {
  Session s(model());
  const GenerateResult full = s.Generate("The weather today", Greedy(24));
  ASSERT_GE(full.text.size(), 6u);
  const std::string stop = full.text.substr(full.text.size() / 2, 2);
  s.Reset();
  GenerateOptions o = Greedy(24);
  o.stop = {stop};
  std::string streamed;
  o.on_text = [&](std::string_view t) {
    streamed += t;
    return true;
  };
  const GenerateResult r = s.Generate("The weather today", o);
  EXPECT_EQ(r.stop_reason, StopReason::kStopString);
  EXPECT_EQ(r.text, full.text.substr(0, full.text.find(stop)));
  EXPECT_EQ(streamed, r.text);
}

TEST_F(SessionTest, CallbackCanStopGeneration) {
  Session s(model());
  GenerateOptions o = Greedy(32);
  int calls = 0;
  o.on_text = [&](std::string_view) { return ++calls < 2; };
  const GenerateResult r = s.Generate("Hello", o);
  EXPECT_EQ(r.stop_reason, StopReason::kCallback);
  EXPECT_EQ(calls, 2);
  EXPECT_LT(r.tokens.size(), 32u);
}

TEST_F(SessionTest, SameSeedSameOutput) {
  GenerateOptions o;
  o.max_tokens = 24;
  o.sampling.temperature = 1.5f;
  o.sampling.seed = 7;
  Session a(model()), b(model());
  const GenerateResult ra = a.Generate("Once upon a time", o);
  const GenerateResult rb = b.Generate("Once upon a time", o);
  EXPECT_EQ(ra.tokens, rb.tokens);
  o.sampling.seed = 8;
  Session c(model());
  EXPECT_NE(c.Generate("Once upon a time", o).tokens, ra.tokens);
}

TEST_F(SessionTest, MultiTurnChatEvaluatesOnlyTheNewTurnAndMatchesAFreshSession) {
  Session s(model());
  std::vector<ChatMessage> conv = {{"system", "You are terse."}, {"user", "Hi!"}};
  const GenerateResult first = s.Chat(conv, Greedy(8));
  conv.push_back({"model", first.text});
  conv.push_back({"user", "And then?"});
  const GenerateResult second = s.Chat(conv, Greedy(8));
  const auto all_ids = model()->tokenizer().Encode(FormatGemmaChat(conv, true), true);
  EXPECT_LT(second.n_prompt_tokens, static_cast<int64_t>(all_ids.size()) / 2);
  Session fresh(model());
  const GenerateResult again = fresh.Chat(conv, Greedy(8));
  EXPECT_EQ(again.n_prompt_tokens, static_cast<int64_t>(all_ids.size()));
  EXPECT_EQ(again.tokens, second.tokens);
}

TEST_F(SessionTest, PromptOverTheContextFailsAndLeavesTheSessionAsItWas) {
  SessionOptions so;
  so.context_length = 12;
  Session s(model(), so);
  s.Evaluate({2, 100, 101});
  try {
    s.Generate("a prompt that is certainly longer than twelve tokens in this tiny vocabulary", Greedy(4));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kContextFull);
  }
  EXPECT_EQ(s.n_past(), 3);
  EXPECT_EQ(s.logits_rows(), 1u);
}

TEST_F(SessionTest, GenerationStopsAtTheContextLimit) {
  SessionOptions so;
  so.context_length = 10;
  Session s(model(), so);
  GenerateOptions o;
  o.max_tokens = 50;
  o.sampling.temperature = 1.0f;
  o.sampling.seed = 1;
  // Sample until the context fills (or the model ends its turn, in which case try another seed).
  for (uint64_t seed = 1; seed < 20; ++seed) {
    s.Reset();
    o.sampling.seed = seed;
    const GenerateResult r = s.Generate("Hi", o);
    if (r.stop_reason == StopReason::kEndOfTurn) continue;
    EXPECT_EQ(r.stop_reason, StopReason::kContextFull);
    EXPECT_EQ(s.n_past(), 10);
    return;
  }
  FAIL() << "every seed ended the turn early";
}

TEST_F(SessionTest, GeneratingInTwoCallsEqualsOneCall) {
  Session once(model()), twice(model());
  const GenerateResult all = once.Generate("The quick brown fox", Greedy(6));
  ASSERT_EQ(all.stop_reason, StopReason::kMaxTokens);
  const GenerateResult a = twice.Generate("The quick brown fox", Greedy(3));
  const GenerateResult b = twice.Generate("", Greedy(3));
  std::vector<int32_t> joined = a.tokens;
  joined.insert(joined.end(), b.tokens.begin(), b.tokens.end());
  EXPECT_EQ(joined, all.tokens);
  EXPECT_EQ(twice.n_past(), once.n_past());
  EXPECT_EQ(once.n_past(), static_cast<int64_t>(all.n_prompt_tokens + all.tokens.size()));
}

TEST_F(SessionTest, PrefillInChunksEqualsOnePass) {
  const std::vector<int32_t> ids = model()->tokenizer().Encode("A prompt long enough to need several chunks of three.");
  SessionOptions chunked;
  chunked.batch_size = 3;
  Session a(model()), b(model(), chunked);
  a.Evaluate(ids, true);
  b.Evaluate(ids, true);
  const size_t vocab = static_cast<size_t>(model()->info().vocab_size);
  ASSERT_EQ(a.logits_rows(), ids.size());
  ASSERT_EQ(b.logits_rows(), ids.size());
  for (size_t r = 0; r < ids.size(); ++r) {
    for (size_t v = 0; v < vocab; ++v) ASSERT_NEAR(a.logits(r)[v], b.logits(r)[v], 1e-4) << r << "," << v;
  }
}

}  // namespace
}  // namespace gemmakit
