// Pull generation: stepping gives exactly what Session::Generate / Chat give with the same
// options and seed, whatever the step size; budgets split the prompt; misuse fails clearly.
#include <gtest/gtest.h>

#include "gemmakit/generation_stepper.h"
#include "gemmakit/log.h"
#include "gemmakit/status.h"
#include "test_util.h"

namespace gemmakit {
namespace {

class GenerationStepperTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new std::shared_ptr<const Model>(Model::Load(test::DataPath("gemma3-tiny"))); }
  static void TearDownTestSuite() { delete model_; }
  static const std::shared_ptr<const Model>& model() { return *model_; }
  static GenerateOptions Sampled(int max_tokens, uint64_t seed) {
    GenerateOptions o;
    o.max_tokens = max_tokens;
    o.sampling.temperature = 0.9f;
    o.sampling.seed = seed;
    return o;
  }
  // Steps to the end, n tokens per step, and checks each step's text adds up to the whole.
  static GenerateResult StepAll(GenerationStepper& g, int32_t n) {
    std::string text;
    int guard = 0;
    for (;;) {
      const StepResult r = g.Step(n, 0);
      if (n > 0) {
        EXPECT_LE(r.n_tokens, n);
      }
      text += r.text;
      if (r.finished) break;
      if (++guard > 10000) ADD_FAILURE() << "never finished";
    }
    EXPECT_EQ(text, g.result().text);
    return g.result();
  }
  static std::shared_ptr<const Model>* model_;
};
std::shared_ptr<const Model>* GenerationStepperTest::model_ = nullptr;

TEST_F(GenerationStepperTest, StepsGiveTheSameTokensAsGenerateForEveryStepSize) {
  for (uint64_t seed : {7u}) {
    Session whole(model());
    const GenerateResult want = whole.Generate("The quick brown fox", Sampled(16, seed));
    ASSERT_FALSE(want.tokens.empty());
    for (int32_t n : {0, 1, 3}) {
      Session stepped(model());
      auto g = GenerationStepper::BeginGenerate(stepped, "The quick brown fox", Sampled(16, seed));
      const GenerateResult got = StepAll(*g, n);
      EXPECT_EQ(got.tokens, want.tokens) << "seed " << seed << " step " << n;
      EXPECT_EQ(got.text, want.text);
      EXPECT_EQ(got.stop_reason, want.stop_reason);
      EXPECT_EQ(stepped.tokens(), whole.tokens()) << "the session must hold what Generate leaves";
    }
  }
}

TEST_F(GenerationStepperTest, ChatStepsMatchChatAndReuseThePrefix) {
  Session whole(model()), stepped(model());
  std::vector<ChatMessage> conv = {{"user", "Hello there"}};
  const GenerateResult want1 = whole.Chat(conv, Sampled(8, 3));
  const GenerateResult got1 = StepAll(*GenerationStepper::BeginChat(stepped, conv, Sampled(8, 3)), 2);
  EXPECT_EQ(got1.tokens, want1.tokens);
  conv.push_back({"assistant", want1.text});
  conv.push_back({"user", "And then?"});
  const GenerateResult want2 = whole.Chat(conv, Sampled(8, 4));
  const GenerateResult got2 = StepAll(*GenerationStepper::BeginChat(stepped, conv, Sampled(8, 4)), 1);
  EXPECT_EQ(got2.tokens, want2.tokens);
  EXPECT_EQ(got2.n_prompt_tokens, want2.n_prompt_tokens) << "only the new turn is evaluated";
  EXPECT_EQ(stepped.tokens(), whole.tokens());
}

TEST_F(GenerationStepperTest, StopStringsAndCallbacksStopAsInGenerate) {
  Session whole(model());
  const GenerateResult free_run = whole.Generate("Once upon a time", Sampled(20, 5));
  ASSERT_GE(free_run.text.size(), 6u);
  GenerateOptions o = Sampled(20, 5);
  o.stop = {free_run.text.substr(3, 3)};
  Session a(model()), b(model());
  const GenerateResult want = a.Generate("Once upon a time", o);
  const GenerateResult got = StepAll(*GenerationStepper::BeginGenerate(b, "Once upon a time", o), 1);
  EXPECT_EQ(got.stop_reason, StopReason::kStopString);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(b.tokens(), a.tokens());

  int calls = 0;
  GenerateOptions cb = Sampled(20, 5);
  cb.on_text = [&](std::string_view) { return ++calls < 2; };
  Session c(model());
  const GenerateResult stopped = StepAll(*GenerationStepper::BeginGenerate(c, "Once upon a time", cb), 0);
  EXPECT_EQ(stopped.stop_reason, StopReason::kCallback);
  EXPECT_EQ(calls, 2);
}

TEST_F(GenerationStepperTest, ABudgetSplitsThePromptAndEachStepMakesProgress) {
  std::string prompt;
  for (int i = 0; i < 12; ++i) prompt += "word" + std::to_string(i) + " ";
  Session s(model());
  auto g = GenerationStepper::BeginGenerate(s, prompt, Sampled(4, 9));
  EXPECT_EQ(s.n_past(), 0) << "begin evaluates nothing";
  // A budget far below one forward pass: every step still does exactly one unit.
  const StepResult first = g->Step(0, 1e-9);
  EXPECT_GT(first.n_prompt_tokens, 0);
  EXPECT_LE(first.n_prompt_tokens, 8) << "the first piece of a budgeted prompt is small";
  int steps = 1;
  while (!g->Step(0, 1e-9).finished) ++steps;
  EXPECT_GE(steps, 4) << "4 tokens, one per step, after the prompt";
  Session whole(model());
  EXPECT_EQ(whole.Generate(prompt, Sampled(4, 9)).tokens, g->result().tokens);
}

TEST_F(GenerationStepperTest, MisuseFailsClearly) {
  Session s(model());
  auto g = GenerationStepper::BeginGenerate(s, "Hi", Sampled(4, 1));
  g->Step(1, 0);
  s.Evaluate({10});
  try {
    g->Step(1, 0);
    FAIL() << "a session changed behind the stepper's back must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
  }
  auto h = GenerationStepper::BeginGenerate(s, "Hi", Sampled(4, 1));
  EXPECT_THROW(h->Step(-1, 0), Error);
  EXPECT_THROW(h->Step(1, -1), Error);
  GenerateOptions bad = Sampled(4, 1);
  bad.max_tokens = -1;
  EXPECT_THROW(GenerationStepper::BeginGenerate(s, "Hi", bad), Error);
  SessionOptions tiny_context;
  tiny_context.context_length = 4;
  Session small(model(), tiny_context);
  try {
    GenerationStepper::BeginGenerate(small, "a much longer prompt than four tokens", Sampled(4, 1));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kContextFull);
    EXPECT_EQ(small.n_past(), 0);
  }
  // After the end, steps say finished and do nothing.
  Session t(model());
  auto done = GenerationStepper::BeginGenerate(t, "Hi", Sampled(2, 1));
  StepAll(*done, 0);
  const int64_t held = t.n_past();
  const StepResult again = done->Step(1, 0);
  EXPECT_TRUE(again.finished);
  EXPECT_TRUE(again.text.empty());
  EXPECT_EQ(t.n_past(), held);
}

TEST_F(GenerationStepperTest, LogSinkReceivesTheLibrarysMessages) {
  std::vector<std::pair<LogLevel, std::string>> got;
  SetLogSink([&](LogLevel l, const char* m) { got.emplace_back(l, m); }, LogLevel::kDebug);
  auto m = Model::Load(test::DataPath("gemma3-tiny"));
  Session s(m);
  StepAll(*GenerationStepper::BeginGenerate(s, "Hi", Sampled(2, 1)), 0);
  SetLogSink(nullptr, LogLevel::kDebug);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(got[0].first, LogLevel::kInfo);
  EXPECT_NE(got[0].second.find("gemma3"), std::string::npos) << got[0].second;
  EXPECT_EQ(got.back().first, LogLevel::kDebug);
  EXPECT_NE(got.back().second.find("generation finished"), std::string::npos);
  const size_t n = got.size();
  Model::Load(test::DataPath("gemma3-tiny"));
  EXPECT_EQ(got.size(), n) << "a removed sink hears nothing";
  SetLogSink([&](LogLevel l, const char* msg) { got.emplace_back(l, msg); }, LogLevel::kWarning);
  Model::Load(test::DataPath("gemma3-tiny"));
  SetLogSink(nullptr, LogLevel::kDebug);
  EXPECT_EQ(got.size(), n) << "info is below the warning level";
}

}  // namespace
}  // namespace gemmakit
