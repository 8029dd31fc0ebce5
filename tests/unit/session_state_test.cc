// Saved sessions (bit-exact continuation after a restore, refusal of other models' and damaged
// blobs), forks, cancellation from another thread and from a callback, and the context-full
// policies; through the C++ API and the C ABI.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit.h"
#include "gemmakit/generation_stepper.h"
#include "gemmakit/model.h"
#include "runtime/session_state.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "test_util.h"

namespace gemmakit {
namespace {

// gemma3-tiny: sliding (window 8) and global layers, a tokenizer; its 83-token case wraps rings.
const char kModel[] = "gemma3-tiny";

std::vector<int32_t> LongIds(const std::string& model = kModel) {
  const nlohmann::json g = nlohmann::json::parse(test::ReadFile(test::DataPath(model + "/golden.json")));
  std::vector<int32_t> best;
  for (const auto& c : g.at("cases")) {
    auto ids = c.at("ids").get<std::vector<int32_t>>();
    if (ids.size() > best.size()) best = ids;
  }
  return best;
}

SamplingParams FullDistribution() {
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.repeat_penalty = 1.3f;  // reads the token history, which a restore must bring back
  return p;
}

// Samples and evaluates n tokens; the draws depend on the RNG state and the history.
std::vector<int32_t> Continue(Session& s, int n) {
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(s.Sample(FullDistribution()));
    s.Evaluate({out.back()});
  }
  return out;
}

using test::StatusOf;

// One thread: these models are tiny, and waking a pool for each of their matrices costs more
// than it saves on a busy machine.
SessionOptions Serial() {
  SessionOptions o;
  o.n_threads = 1;
  return o;
}

GenerateOptions Greedy(int32_t max_tokens) {
  GenerateOptions g;
  g.max_tokens = max_tokens;
  g.sampling.temperature = 0;
  return g;
}

class SessionStateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new std::shared_ptr<const Model>(Model::Load(test::DataPath(kModel))); }
  static void TearDownTestSuite() { delete model_; }
  static const std::shared_ptr<const Model>& model() { return *model_; }
  static std::shared_ptr<const Model>* model_;
};
std::shared_ptr<const Model>* SessionStateTest::model_ = nullptr;

// ---------------------------------------------------------------------------------------------
// Save and restore

TEST_F(SessionStateTest, RestoreContinuesBitExactlyForEveryKvType) {
  for (KvType type : {KvType::kF32, KvType::kBF16, KvType::kF16, KvType::kQ8_0}) {
    SCOPED_TRACE(static_cast<int>(type));
    SessionOptions o = Serial();
    o.batch_size = 4;  // rings of 11 positions: the 83-token prompt wraps them
    o.kv_type = type;
    Session a(model(), o);
    a.Evaluate(LongIds());
    a.SeedSampler(1234);
    Continue(a, 5);
    const std::vector<uint8_t> blob = a.SaveState();
    const std::vector<int32_t> want = Continue(a, 25);

    // Restored into a session made with other options: the blob's options win.
    Session b(model(), Serial());
    b.LoadState(blob.data(), blob.size());
    EXPECT_EQ(b.n_past(), 83 + 5);
    EXPECT_EQ(Continue(b, 25), want);
    ASSERT_EQ(b.logits_rows(), a.logits_rows());
    EXPECT_EQ(0, std::memcmp(a.logits(0), b.logits(0), static_cast<size_t>(model()->info().vocab_size) * 4));
    EXPECT_EQ(a.kv_cache_bytes(), b.kv_cache_bytes());

    // A truncation after a restore rebuilds the rings as the original session would.
    Session c(model(), o);
    c.LoadState(blob.data(), blob.size());
    a.Truncate(60);
    c.Truncate(60);
    a.Evaluate({7, 8, 9});
    c.Evaluate({7, 8, 9});
    EXPECT_EQ(0, std::memcmp(a.logits(0), c.logits(0), static_cast<size_t>(model()->info().vocab_size) * 4));
  }
}

TEST_F(SessionStateTest, GenerateAfterRestoreEqualsGenerateWithoutSave) {
  GenerateOptions g;
  g.max_tokens = 20;
  g.sampling = FullDistribution();
  g.sampling.seed = 99;
  Session a(model(), Serial());
  a.Generate("The quick brown fox jumps over the lazy dog again and again", g);
  const std::string dir = test::MakeTempDir("session_state");
  a.SaveStateFile(dir + "/a.gmks");
  const GenerateResult want = a.Generate(" and then", g);

  Session b(model(), Serial());
  b.LoadStateFile(dir + "/a.gmks");
  const GenerateResult got = b.Generate(" and then", g);
  EXPECT_EQ(got.tokens, want.tokens);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(b.tokens(), a.tokens());
  EXPECT_EQ(StatusOf([&] { b.LoadStateFile(dir + "/missing.gmks"); }), Status::kIoError);
}

TEST_F(SessionStateTest, EmptySessionRoundTrips) {
  Session a(model(), Serial());
  const std::vector<uint8_t> blob = a.SaveState();
  Session b(model(), Serial());
  b.Evaluate({2, 3});
  b.LoadState(blob.data(), blob.size());
  EXPECT_EQ(b.n_past(), 0);
  EXPECT_EQ(b.logits_rows(), 0u);
}

TEST_F(SessionStateTest, RefusesOtherModelsAndDamagedBlobs) {
  Session a(model(), Serial());
  a.Evaluate(LongIds());
  const std::vector<uint8_t> blob = a.SaveState();
  Session target(model(), Serial());
  target.Evaluate({2, 5, 6});
  auto load = [&](const std::vector<uint8_t>& b) { return StatusOf([&] { target.LoadState(b.data(), b.size()); }); };

  // Another model: same family and tokenizer, other weights and shapes.
  auto other = Model::Load(test::DataPath("gemma3-tiny-scaled"));
  Session o(other, Serial());
  o.Evaluate({2, 5, 6});
  const std::vector<uint8_t> other_blob = o.SaveState();
  try {
    target.LoadState(other_blob.data(), other_blob.size());
    ADD_FAILURE() << "another model's blob loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kFormatError);
    EXPECT_NE(std::string(e.what()).find("another model"), std::string::npos) << e.what();
  }
  // Truncated anywhere, from nothing to one byte short.
  for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{20}, size_t{47}, size_t{48}, size_t{49},
                   size_t{100}, blob.size() / 2, blob.size() - 1}) {
    EXPECT_EQ(load(std::vector<uint8_t>(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(n))), Status::kFormatError)
        << "truncated to " << n;
  }
  // One flipped bit anywhere: the magic, the model identity, the sizes, the payload.
  for (size_t at : {size_t{0}, size_t{13}, size_t{20}, size_t{30}, size_t{40}, size_t{60}, size_t{200}, blob.size() - 1}) {
    std::vector<uint8_t> bad = blob;
    bad[at] ^= 0x10;
    EXPECT_EQ(load(bad), Status::kFormatError) << "bit flipped at " << at;
  }
  std::vector<uint8_t> newer = blob;
  newer[8] = kSessionStateVersion + 1;  // format version
  EXPECT_EQ(load(newer), Status::kUnsupported);
  std::vector<uint8_t> longer = blob;
  longer.push_back(0);
  EXPECT_EQ(load(longer), Status::kFormatError);
  // Every failure left the session as it was.
  EXPECT_EQ(target.n_past(), 3);
  target.Evaluate({7});
  EXPECT_EQ(target.n_past(), 4);
  EXPECT_EQ(load(blob), Status::kOk);
  EXPECT_EQ(target.n_past(), 83);
}

// ---------------------------------------------------------------------------------------------
// Fork

TEST_F(SessionStateTest, ForksContinueLikeTheOriginalAndAreIndependent) {
  SessionOptions o = Serial();
  o.batch_size = 5;
  o.kv_type = KvType::kBF16;
  Session a(model(), o);
  a.Evaluate(LongIds());
  a.SeedSampler(5);
  std::unique_ptr<Session> f = a.Fork();
  std::unique_ptr<Session> g = a.Fork();
  const std::vector<int32_t> want = Continue(a, 20);
  EXPECT_EQ(Continue(*f, 20), want);
  // g diverges; f and a are untouched by it.
  g->Truncate(40);
  g->Evaluate({9, 9, 9});
  EXPECT_EQ(g->n_past(), 43);
  EXPECT_EQ(Continue(*f, 10), Continue(a, 10));
  EXPECT_EQ(f->tokens(), a.tokens());
  a.Reset();
  EXPECT_EQ(f->n_past(), 83 + 30);
}

// ---------------------------------------------------------------------------------------------
// Cancellation

TEST_F(SessionStateTest, CancelFromAnotherThreadStopsEvaluateBetweenChunks) {
  std::atomic<int> checks{0};
  std::atomic<bool> cancelled{false};
  SessionOptions o = Serial();
  o.batch_size = 1;
  // The third check waits until the other thread has cancelled, so the cancel lands mid-prompt
  // however the threads are scheduled.
  o.should_abort = [&] {
    if (++checks == 3) {
      while (!cancelled.load()) std::this_thread::yield();
    }
    return false;
  };
  Session s(model(), o);
  std::thread canceller([&] {
    while (checks.load() < 3) std::this_thread::yield();
    s.Cancel();
    cancelled = true;
  });
  const std::vector<int32_t> ids = LongIds();
  EXPECT_EQ(StatusOf([&] { s.Evaluate(ids); }), Status::kCancelled);
  canceller.join();
  ASSERT_EQ(s.n_past(), 3);  // the chunks before the cancel stay evaluated
  ASSERT_EQ(s.logits_rows(), 1u);
  // Usable: evaluating the rest gives what one uninterrupted evaluation gives.
  s.Evaluate(std::vector<int32_t>(ids.begin() + 3, ids.end()));
  SessionOptions plain = Serial();
  plain.batch_size = 1;
  Session ref(model(), plain);
  ref.Evaluate(ids);
  EXPECT_EQ(0, std::memcmp(s.logits(0), ref.logits(0), static_cast<size_t>(model()->info().vocab_size) * 4));
}

TEST_F(SessionStateTest, CancelBeforeACallCancelsThatCallOnly) {
  Session s(model(), Serial());
  s.Evaluate({2, 5});
  s.Cancel();
  EXPECT_EQ(StatusOf([&] { s.Evaluate({6, 7}); }), Status::kCancelled);
  EXPECT_EQ(s.n_past(), 2);
  s.Evaluate({6, 7});
  EXPECT_EQ(s.n_past(), 4);
}

TEST_F(SessionStateTest, AbortCallbackStopsGenerateBetweenTokens) {
  int budget = 1 << 30;
  SessionOptions o = Serial();
  o.should_abort = [&] { return --budget < 0; };
  Session s(model(), o);
  GenerateOptions g = Greedy(50);
  s.Evaluate({2, 5, 6, 7});
  budget = 6;  // the prompt is done; six more checks, one per decoded token
  EXPECT_EQ(StatusOf([&] { s.Generate("", g); }), Status::kCancelled);
  EXPECT_EQ(s.n_past(), 4 + 6);
  budget = 1 << 30;
  const GenerateResult r = s.Generate("", g);  // usable again
  EXPECT_GT(r.tokens.size(), 0u);
}

// ---------------------------------------------------------------------------------------------
// Context full

std::vector<ChatMessage> LongConversation(int turns) {
  std::vector<ChatMessage> conv = {{"system", "Answer in one word."}};
  for (int i = 0; i < turns; ++i) {
    conv.push_back({"user", "Question number " + std::to_string(i) + ": what is the colour of the sky?"});
    if (i + 1 < turns) conv.push_back({"model", "Blue, as it was " + std::to_string(i) + " times before."});
  }
  return conv;
}

TEST_F(SessionStateTest, ContextFullStopsByDefault) {
  SessionOptions o = Serial();
  o.context_length = 96;
  Session s(model(), o);
  GenerateOptions g = Greedy(8);
  EXPECT_EQ(StatusOf([&] { s.Chat(LongConversation(30), g); }), Status::kContextFull);
  EXPECT_EQ(s.n_past(), 0);
  // Generation that reaches the limit stops and says so (greedy continues this prompt without
  // an end of turn).
  s.Evaluate(LongIds());
  g.max_tokens = 50;
  const GenerateResult r = s.Generate("", g);
  EXPECT_EQ(r.stop_reason, StopReason::kContextFull);
  EXPECT_EQ(s.n_past(), 96);
}

TEST_F(SessionStateTest, DropOldestTurnsKeepsTheSystemPrompt) {
  SessionOptions o = Serial();
  o.context_length = 128;
  o.context_full = ContextFullPolicy::kDropOldestTurns;
  Session s(model(), o);
  GenerateOptions g = Greedy(8);
  const std::vector<ChatMessage> conv = LongConversation(8);
  const GenerateResult r = s.Chat(conv, g);
  ASSERT_GT(r.n_dropped_messages, 0);
  EXPECT_EQ(r.n_dropped_messages % 2, 0) << "whole user/model turns go";
  // What the session evaluated is the system prompt and the newest turns, rendered afresh.
  std::vector<ChatMessage> kept = {conv[0]};
  kept.insert(kept.end(), conv.begin() + 1 + r.n_dropped_messages, conv.end());
  const std::vector<int32_t> want =
      model()->tokenizer().Encode(model()->ApplyChatTemplate(kept, true), /*parse_special=*/true);
  ASSERT_LE(want.size() + 8, 128u);
  ASSERT_GE(s.tokens().size(), want.size());
  EXPECT_TRUE(std::equal(want.begin(), want.end(), s.tokens().begin()));
  // One turn fewer dropped would not have left room for the reply.
  std::vector<ChatMessage> one_more = {conv[0]};
  one_more.insert(one_more.end(), conv.begin() + 1 + r.n_dropped_messages - 2, conv.end());
  EXPECT_GT(model()->tokenizer().Encode(model()->ApplyChatTemplate(one_more, true), true).size() + 8, 128u);
  // Pull generation drops the same turns.
  Session pulled(model(), o);
  auto stepper = GenerationStepper::BeginChat(pulled, conv, g);
  const GenerateResult& stepped = stepper->RunToEnd();
  EXPECT_EQ(stepped.n_dropped_messages, r.n_dropped_messages);
  EXPECT_EQ(pulled.tokens(), s.tokens());
  // A last message that alone does not fit is still an error.
  const std::vector<ChatMessage> huge = {{"system", "x"}, {"user", std::string(2000, 'a')}};
  EXPECT_EQ(StatusOf([&] { s.Chat(huge, g); }), Status::kContextFull);
}

// ---------------------------------------------------------------------------------------------
// The C ABI

TEST(LongContextCApiTest, KvBytesSaveLoadForkCancel) {
  gemmakit_model* model = nullptr;
  gemmakit_model* other = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kModel).c_str(), nullptr, &model), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_model_load(test::DataPath("gemma2-tiny").c_str(), nullptr, &other), GEMMAKIT_OK);
  gemmakit_session_params p;
  ASSERT_EQ(gemmakit_session_params_init(&p, sizeof p), GEMMAKIT_OK);
  EXPECT_EQ(p.kv_type, GEMMAKIT_KV_F32);
  EXPECT_EQ(p.context_full, GEMMAKIT_CONTEXT_FULL_STOP);
  p.n_threads = 1;
  p.kv_type = GEMMAKIT_KV_Q8_0;
  p.batch_size = 4;
  gemmakit_session* s = nullptr;
  ASSERT_EQ(gemmakit_session_create(model, &p, &s), GEMMAKIT_OK);
  const std::vector<int32_t> ids = LongIds();
  ASSERT_EQ(gemmakit_session_eval(s, ids.data(), ids.size(), GEMMAKIT_LOGITS_LAST), GEMMAKIT_OK);
  int64_t want = 0, held = 0;
  ASSERT_EQ(gemmakit_model_kv_bytes(model, &p, static_cast<int64_t>(ids.size()), &want), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_kv_bytes(s, &held), GEMMAKIT_OK);
  EXPECT_EQ(held, want);
  int64_t f32 = 0;
  ASSERT_EQ(gemmakit_model_kv_bytes(model, nullptr, 8192, &f32), GEMMAKIT_OK);
  int64_t old_api = 0;
  ASSERT_EQ(gemmakit_model_kv_cache_bytes(model, 8192, &old_api), GEMMAKIT_OK);
  EXPECT_EQ(f32, old_api);  // the older call reports a session with default params

  size_t needed = 0;
  EXPECT_EQ(gemmakit_session_save(s, nullptr, 0, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  std::vector<uint8_t> blob(needed);
  EXPECT_EQ(gemmakit_session_save(s, blob.data(), blob.size() - 1, &needed), GEMMAKIT_ERR_BUFFER_TOO_SMALL);
  ASSERT_EQ(gemmakit_session_save(s, blob.data(), blob.size(), &needed), GEMMAKIT_OK);
  EXPECT_EQ(needed, blob.size());

  gemmakit_session* fork = nullptr;
  ASSERT_EQ(gemmakit_session_fork(s, &fork), GEMMAKIT_OK);
  gemmakit_session* restored = nullptr;
  ASSERT_EQ(gemmakit_session_create(model, &p, &restored), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_load(restored, blob.data(), blob.size()), GEMMAKIT_OK);
  gemmakit_sampling_params sp;
  gemmakit_sampling_params_init(&sp, sizeof sp);
  sp.seed = 77;
  int32_t t1 = 0, t2 = 0, t3 = 0;
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(gemmakit_session_sample(s, &sp, i == 0, &t1), GEMMAKIT_OK);
    ASSERT_EQ(gemmakit_session_sample(fork, &sp, i == 0, &t2), GEMMAKIT_OK);
    ASSERT_EQ(gemmakit_session_sample(restored, &sp, i == 0, &t3), GEMMAKIT_OK);
    EXPECT_EQ(t1, t2);
    EXPECT_EQ(t1, t3);
    for (gemmakit_session* x : {s, fork, restored}) ASSERT_EQ(gemmakit_session_eval(x, &t1, 1, 0), GEMMAKIT_OK);
  }

  gemmakit_session* wrong = nullptr;
  ASSERT_EQ(gemmakit_session_create(other, nullptr, &wrong), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_session_load(wrong, blob.data(), blob.size()), GEMMAKIT_ERR_FORMAT);
  EXPECT_NE(std::string(gemmakit_last_error()).find("another model"), std::string::npos) << gemmakit_last_error();
  EXPECT_EQ(gemmakit_session_load(wrong, blob.data(), 10), GEMMAKIT_ERR_FORMAT);
  EXPECT_EQ(gemmakit_session_load(wrong, nullptr, 10), GEMMAKIT_ERR_INVALID_ARGUMENT);

  const std::string path = test::MakeTempDir("capi_state") + "/s.gmks";
  ASSERT_EQ(gemmakit_session_save_file(fork, path.c_str()), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_load_file(wrong, path.c_str()), GEMMAKIT_ERR_FORMAT);
  ASSERT_EQ(gemmakit_session_load_file(restored, path.c_str()), GEMMAKIT_OK);
  int64_t n = 0;
  gemmakit_session_n_past(restored, &n);
  EXPECT_EQ(n, static_cast<int64_t>(ids.size()) + 10);

  // Cancel from another thread while a generation runs: the abort callback holds the generation
  // at its fourth check until the cancel has been made.
  struct Gate {
    std::atomic<int> checks{0};
    std::atomic<bool> cancelled{false};
  } gate;
  gemmakit_session_params cp;
  gemmakit_session_params_init(&cp, sizeof cp);
  cp.n_threads = 1;
  cp.abort_user_data = &gate;
  cp.abort_callback = [](void* user) -> int32_t {
    Gate* g = static_cast<Gate*>(user);
    if (++g->checks == 4) {
      while (!g->cancelled.load()) std::this_thread::yield();
    }
    return 0;
  };
  gemmakit_session* c = nullptr;
  ASSERT_EQ(gemmakit_session_create(model, &cp, &c), GEMMAKIT_OK);
  std::thread canceller([&] {
    while (gate.checks.load() < 4) std::this_thread::yield();
    EXPECT_EQ(gemmakit_session_cancel(c), GEMMAKIT_OK);
    gate.cancelled = true;
  });
  gemmakit_generate_params gp;
  gemmakit_generate_params_init(&gp, sizeof gp);
  gp.max_tokens = 200;
  EXPECT_EQ(gemmakit_session_generate(c, "Once upon a time", &gp, nullptr), GEMMAKIT_ERR_CANCELLED);
  canceller.join();
  EXPECT_EQ(gemmakit_session_generate(c, " again", &gp, nullptr), GEMMAKIT_OK);

  EXPECT_EQ(gemmakit_session_cancel(nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_session* no_fork = fork;
  EXPECT_EQ(gemmakit_session_fork(nullptr, &no_fork), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(no_fork, nullptr);
  gemmakit_session_params bad;
  gemmakit_session_params_init(&bad, sizeof bad);
  bad.kv_type = 9;
  gemmakit_session* none = nullptr;
  EXPECT_EQ(gemmakit_session_create(model, &bad, &none), GEMMAKIT_ERR_INVALID_ARGUMENT);
  bad.kv_type = 0;
  bad.context_full = 5;
  EXPECT_EQ(gemmakit_session_create(model, &bad, &none), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_model_kv_bytes(model, &bad, 16, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);

  for (gemmakit_session* x : {s, fork, restored, wrong, c}) gemmakit_session_free(x);
  gemmakit_model_free(model);
  gemmakit_model_free(other);
}

}  // namespace
}  // namespace gemmakit
