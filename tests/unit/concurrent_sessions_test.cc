// One model shared by many sessions on many threads: eight conversations, four caller threads, each
// session with its own two-thread pool, and every one must produce exactly what it produces alone
// (same tokens with seeded sampling, same logits bit for bit). CI runs it in the release and the
// ASan/UBSan builds; scripts/run-tsan.sh runs it under ThreadSanitizer (not in CI: a third full
// build would double its time).
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "gemmakit/session.h"
#include "test_util.h"

namespace gemmakit {
namespace {

struct Outcome {
  std::vector<int32_t> tokens;
  std::vector<float> last_logits;
};

Outcome RunConversation(const std::shared_ptr<const Model>& model, int conversation) {
  SessionOptions so;
  so.n_threads = 2;
  so.batch_size = 7;  // several prefill chunks per prompt
  Session s(model, so);
  GenerateOptions go;
  go.max_tokens = 12;
  go.sampling.temperature = conversation % 2 ? 0.f : 0.9f;
  go.sampling.seed = static_cast<uint64_t>(100 + conversation);
  const std::string prompt = "Conversation " + std::to_string(conversation) + ": tell me about the number " +
                             std::to_string(conversation * 37) + " and why it matters.";
  Outcome o;
  o.tokens = s.Generate(prompt, go).tokens;
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  o.last_logits.assign(s.logits(0), s.logits(0) + vocab);
  return o;
}

TEST(ConcurrentSessions, EightSessionsOnFourThreadsMatchTheirSoloRuns) {
  const auto model = Model::Load(test::DataPath("gemma3-tiny"));
  constexpr int kSessions = 8, kThreads = 4;
  std::vector<Outcome> solo(kSessions), together(kSessions);
  for (int c = 0; c < kSessions; ++c) solo[c] = RunConversation(model, c);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = t; c < kSessions; c += kThreads) together[c] = RunConversation(model, c);
    });
  }
  for (std::thread& t : threads) t.join();
  size_t generated = 0;
  for (int c = 0; c < kSessions; ++c) {
    generated += solo[c].tokens.size();
    EXPECT_EQ(together[c].tokens, solo[c].tokens) << "conversation " << c;
    EXPECT_EQ(together[c].last_logits, solo[c].last_logits) << "conversation " << c;
  }
  // Real work was compared, and the conversations differ, so equal outputs are no accident of
  // identical inputs.
  EXPECT_GT(generated, static_cast<size_t>(kSessions) * 4);
  EXPECT_NE(solo[0].last_logits, solo[1].last_logits);
}

}  // namespace
}  // namespace gemmakit
