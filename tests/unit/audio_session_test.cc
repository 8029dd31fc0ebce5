// Gemma 3n hears, end to end (tests/data/gemma3n-audio-tiny, made by HuggingFace's Gemma3nModel):
// speech.wav in a session gives the reference logits at every position and its greedy
// continuation, whose ids in the audio range take the embedder's hard path; chat renders the
// processor's ids; the pull API, saved sessions and forks carry audio; bad clips leave the session
// as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "gemmakit.h"
#include "gemmakit/audio.h"
#include "gemmakit/generation_stepper.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "test_util.h"

namespace gemmakit {
namespace {

const std::string kDir = "gemma3n-audio-tiny";

using Case = test::GoldenCase;

Case LoadCase(const std::string& name) { return test::LoadGoldenCase(kDir, name); }

std::shared_ptr<const Model> TinyModel() {
  static const std::shared_ptr<const Model> m = Model::Load(test::DataPath(kDir));
  return m;
}

std::shared_ptr<const AudioClip> Speech() {
  static const auto clip = std::make_shared<const AudioClip>(AudioClip::Load(test::DataPath(kDir + "/speech.wav")));
  return clip;
}

SamplingParams Greedy() {
  SamplingParams p;
  p.temperature = 0.f;
  return p;
}

double MaxDiff(const float* a, const float* b, size_t n) {
  double worst = 0;
  for (size_t i = 0; i < n; ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return worst;
}

// Greedy ids after the evaluated prompt, each fed back as Evaluate({id}).
std::vector<int32_t> GreedyContinuation(Session& s, size_t n) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(s.Sample(Greedy()));
    s.Evaluate({out.back()});
  }
  return out;
}

TEST(AudioSession, LogitsAtEveryPositionAndGreedyIdsFromTheWav) {
  const Case c = LoadCase("audio_question");
  const auto m = TinyModel();
  EXPECT_EQ(m->info().audio_tokens, 32);
  EXPECT_EQ(m->info().audio_token_id, 770);
  Session s(m);
  s.Evaluate(c.ids, {Media::Audio(Speech())}, true);
  const size_t vocab = static_cast<size_t>(m->info().vocab_size);
  ASSERT_EQ(c.logits.size(), c.ids.size() * vocab);
  const double worst = MaxDiff(s.logits(0), c.logits.data(), c.logits.size());
  std::printf("[audio] max|dlogit| over %zu positions: %.3g\n", c.ids.size(), worst);
  EXPECT_LT(worst, 1e-3);
  // The reply includes ids of the audio range (814), embedded through embed_audio's hard path.
  EXPECT_EQ(GreedyContinuation(s, c.greedy.size()), c.greedy);
}

TEST(AudioSession, TextOnlyGreedyIdsCrossTheAudioRange) {
  const Case c = LoadCase("text_only");
  Session s(TinyModel());
  s.Evaluate(c.ids);
  EXPECT_EQ(GreedyContinuation(s, c.greedy.size()), c.greedy);
}

// The user turn of the golden case is [audio, question]: chat renders the processor's ids exactly.
std::vector<ChatMessage> AudioQuestion(const Case& c, const std::shared_ptr<const Model>& m) {
  const auto first = std::find(c.ids.begin(), c.ids.end(), 769) + 3;  // after <end_of_audio>\n\n
  const auto end = std::find(first, c.ids.end(), 5);                 // <end_of_turn>
  const std::string question = m->tokenizer().Decode(std::vector<int32_t>(first, end));
  return {ChatMessage("user", {ChatPart::Audio(Speech()), ChatPart::Text(question)})};
}

TEST(AudioSession, ChatRendersTheProcessorsIdsAndRepliesAsTheReference) {
  const Case c = LoadCase("audio_question");
  const auto m = TinyModel();
  Session s(m);
  GenerateOptions o;
  o.max_tokens = static_cast<int32_t>(c.greedy.size());
  o.sampling = Greedy();
  const GenerateResult r = s.Chat(AudioQuestion(c, m), o);
  ASSERT_GE(s.tokens().size(), c.ids.size());
  EXPECT_EQ(std::vector<int32_t>(s.tokens().begin(), s.tokens().begin() + static_cast<std::ptrdiff_t>(c.ids.size())), c.ids);
  EXPECT_EQ(r.tokens, c.greedy);

  // Pull generation over the same conversation gives the same tokens.
  Session pulled(m);
  auto stepper = GenerationStepper::BeginChat(pulled, AudioQuestion(c, m), o);
  while (!stepper->finished()) stepper->Step(1, 0);
  EXPECT_EQ(stepper->result().tokens, r.tokens);

  // A next turn reuses the clip and the question already in the cache (67 tokens): only the reply
  // as re-rendered text and the new turn are evaluated.
  std::vector<ChatMessage> conv = AudioQuestion(c, m);
  conv.emplace_back("model", r.text);
  conv.emplace_back("user", "And again?");
  o.max_tokens = 2;
  const GenerateResult next = s.Chat(conv, o);
  EXPECT_LT(next.n_prompt_tokens, 40);
}

TEST(AudioSession, RawPromptMarkersAndLongClipsSplitIntoWindows) {
  const auto m = TinyModel();
  const double window = m->info().audio_window_seconds;
  ASSERT_GT(window, 5.0);
  ASSERT_LT(window, 5.2);  // 32 tokens × 4 × 4 frames of 10 ms
  // 12 s of speech repeated: three windows of 32 soft tokens each.
  AudioClip longer;
  while (longer.seconds() < 12.0) longer.samples.insert(longer.samples.end(), Speech()->samples.begin(), Speech()->samples.end());
  longer.samples.resize(12 * AudioClip::kSampleRate);
  Session s(m);
  GenerateOptions o;
  o.max_tokens = 1;
  o.sampling = Greedy();
  s.Generate("Listen: <start_of_audio> What was said?", {Media::Audio(std::move(longer))}, o);
  EXPECT_EQ(std::count(s.tokens().begin(), s.tokens().end(), 770), 3 * 32);
  EXPECT_EQ(std::count(s.tokens().begin(), s.tokens().end(), 640), 3);  // <start_of_audio>
}

TEST(AudioSession, SavedAndForkedSessionsKeepTheirAudio) {
  const Case c = LoadCase("audio_question");
  const auto m = TinyModel();
  Session s(m);
  s.Evaluate(c.ids, {Media::Audio(Speech())});
  const std::vector<uint8_t> blob = s.SaveState();
  Session restored(m);
  restored.LoadState(blob.data(), blob.size());
  auto fork = s.Fork();
  const std::vector<int32_t> want = GreedyContinuation(s, 4);
  EXPECT_EQ(GreedyContinuation(restored, 4), want);
  EXPECT_EQ(GreedyContinuation(*fork, 4), want);
  // A truncation into the prompt re-feeds the kept soft tokens: the logits come back the same.
  restored.Truncate(static_cast<int64_t>(c.ids.size()) - 1);
  restored.Evaluate({c.ids.back()});
  const size_t vocab = static_cast<size_t>(m->info().vocab_size);
  EXPECT_LT(MaxDiff(restored.logits(0), c.logits.data() + (c.ids.size() - 1) * vocab, vocab), 1e-3);
}

TEST(AudioSession, RefusedClipsLeaveTheSessionUnchanged) {
  const Case c = LoadCase("audio_question");
  const auto m = TinyModel();
  SessionOptions small;
  small.context_length = 60;  // the audio question needs 67
  Session s(m, small);
  s.Evaluate({2, 4});
  const std::vector<int32_t> before = s.tokens();
  auto expect_refused = [&](const std::vector<Media>& media, Status status, const char* what) {
    try {
      GenerateOptions o;
      o.max_tokens = 1;
      s.Generate("<start_of_audio> hi", media, o);
      ADD_FAILURE() << what << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.status(), status) << what << ": " << e.what();
    }
    EXPECT_EQ(s.tokens(), before) << what;
  };
  AudioClip tiny;
  tiny.samples.assign(100, 0.1f);
  expect_refused({Media::Audio(tiny)}, Status::kInvalidArgument, "a clip shorter than a frame");
  AudioClip nan = *Speech();
  nan.samples[1000] = std::numeric_limits<float>::quiet_NaN();
  expect_refused({Media::Audio(nan)}, Status::kInvalidArgument, "a NaN sample");
  expect_refused({Media{MediaKind::kAudio, nullptr, nullptr}}, Status::kInvalidArgument, "no clip");
  expect_refused({Media::Audio(Speech()), Media::Audio(Speech())}, Status::kInvalidArgument, "two clips, one marker");
  try {
    s.Evaluate(c.ids, {Media::Audio(Speech())});
    ADD_FAILURE() << "a prompt over the context was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kContextFull) << e.what();
  }
  EXPECT_EQ(s.tokens(), before);
  // A text-only model has no audio encoder.
  Session text(Model::Load(test::DataPath("gemma3-tiny")));
  try {
    text.Evaluate({2, 3}, {Media::Audio(Speech())});
    ADD_FAILURE() << "a text-only model took audio";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kUnsupported) << e.what();
  }
  // Silence is audio: it encodes to finite logits.
  AudioClip silence;
  silence.samples.assign(AudioClip::kSampleRate, 0.f);
  Session quiet(m);
  GenerateOptions o;
  o.max_tokens = 1;
  quiet.Generate("<start_of_audio>", {Media::Audio(std::move(silence))}, o);
  for (size_t i = 0; i < static_cast<size_t>(m->info().vocab_size); ++i) ASSERT_TRUE(std::isfinite(quiet.logits(0)[i]));
}

// The C API: audio content parts in eval, raw generation (push and pull) and chat; model audio info.
TEST(AudioCApi, ContentPartsCarryAudio) {
  const Case c = LoadCase("audio_question");
  gemmakit_model* model = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kDir).c_str(), nullptr, &model), GEMMAKIT_OK) << gemmakit_last_error();
  int32_t audio_id = 0, per_clip = 0;
  double window = 0;
  ASSERT_EQ(gemmakit_model_audio_info(model, &audio_id, &per_clip, &window), GEMMAKIT_OK);
  EXPECT_EQ(audio_id, 770);
  EXPECT_EQ(per_clip, 32);
  EXPECT_GT(window, 5.0);
  gemmakit_audio* clip = nullptr;
  ASSERT_EQ(gemmakit_audio_load(test::DataPath(kDir + "/speech.wav").c_str(), &clip), GEMMAKIT_OK);
  gemmakit_content_part audio{};
  audio.struct_size = sizeof audio;
  audio.type = GEMMAKIT_PART_AUDIO;
  audio.audio = clip;

  gemmakit_session* s = nullptr;
  ASSERT_EQ(gemmakit_session_create(model, nullptr, &s), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_eval_content(s, c.ids.data(), c.ids.size(), &audio, 1, GEMMAKIT_LOGITS_ALL), GEMMAKIT_OK)
      << gemmakit_last_error();
  const float* logits = nullptr;
  size_t rows = 0, vocab = 0;
  ASSERT_EQ(gemmakit_session_logits(s, &logits, &rows, &vocab), GEMMAKIT_OK);
  ASSERT_EQ(rows * vocab, c.logits.size());
  EXPECT_LT(MaxDiff(logits, c.logits.data(), c.logits.size()), 1e-3);

  // Chat with [audio, question] replies as the reference's greedy ids.
  const std::string question = AudioQuestion(c, TinyModel())[0].parts[1].text;
  gemmakit_content_part parts[2] = {audio, {}};
  parts[1].struct_size = sizeof parts[1];
  parts[1].type = GEMMAKIT_PART_TEXT;
  parts[1].text = question.c_str();
  const gemmakit_content_turn turn = {sizeof(gemmakit_content_turn), "user", parts, 2};
  gemmakit_generate_params gp;
  ASSERT_EQ(gemmakit_generate_params_init(&gp, sizeof gp), GEMMAKIT_OK);
  gp.max_tokens = static_cast<int32_t>(c.greedy.size());
  gemmakit_sampling_params greedy;
  ASSERT_EQ(gemmakit_sampling_params_init(&greedy, sizeof greedy), GEMMAKIT_OK);
  greedy.temperature = 0.f;
  gp.sampling = &greedy;
  gemmakit_generation g;
  g.struct_size = sizeof g;
  ASSERT_EQ(gemmakit_session_reset(s), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_chat_content(s, &turn, 1, &gp, &g), GEMMAKIT_OK) << gemmakit_last_error();
  Session reference(TinyModel());
  GenerateOptions ro;
  ro.max_tokens = gp.max_tokens;
  ro.sampling = Greedy();
  const GenerateResult want = reference.Chat(AudioQuestion(c, TinyModel()), ro);
  EXPECT_EQ(want.tokens, c.greedy);
  EXPECT_EQ(std::string(g.text, g.text_len), want.text);
  EXPECT_EQ(g.n_tokens, static_cast<int32_t>(c.greedy.size()));

  // Raw generation, push and pull, with the marker.
  ASSERT_EQ(gemmakit_session_reset(s), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_generate_content(s, "Hear <start_of_audio>", &audio, 1, &gp, &g), GEMMAKIT_OK)
      << gemmakit_last_error();
  const std::string pushed(g.text, g.text_len);
  ASSERT_EQ(gemmakit_session_reset(s), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_begin_generate_content(s, "Hear <start_of_audio>", &audio, 1, &gp), GEMMAKIT_OK);
  gemmakit_chunk chunk;
  chunk.struct_size = sizeof chunk;
  do {
    ASSERT_EQ(gemmakit_session_step(s, 1, 0.0, &chunk), GEMMAKIT_OK) << gemmakit_last_error();
  } while (!chunk.finished);
  ASSERT_EQ(gemmakit_session_step_result(s, &g), GEMMAKIT_OK);
  EXPECT_EQ(std::string(g.text, g.text_len), pushed);
  EXPECT_EQ(g.n_tokens, static_cast<int32_t>(c.greedy.size()));

  // Bad parts: a NULL clip, a text part as media, a part of an older caller (no audio field).
  int64_t n_past = 0, after = 0;
  ASSERT_EQ(gemmakit_session_n_past(s, &n_past), GEMMAKIT_OK);
  gemmakit_content_part null_clip = audio;
  null_clip.audio = nullptr;
  EXPECT_EQ(gemmakit_session_generate_content(s, "<start_of_audio>", &null_clip, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_generate_content(s, "<start_of_audio>", &parts[1], 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_content_part old = audio;
  old.struct_size = offsetof(gemmakit_content_part, audio);
  EXPECT_EQ(gemmakit_session_generate_content(s, "<start_of_audio>", &old, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(gemmakit_session_n_past(s, &after), GEMMAKIT_OK);
  EXPECT_EQ(after, n_past);

  gemmakit_model* text = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath("gemma3-tiny").c_str(), nullptr, &text), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_model_audio_info(text, &audio_id, nullptr, nullptr), GEMMAKIT_ERR_UNSUPPORTED);
  gemmakit_session* ts = nullptr;
  ASSERT_EQ(gemmakit_session_create(text, nullptr, &ts), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_session_generate_content(ts, "<start_of_audio>", &audio, 1, &gp, &g), GEMMAKIT_ERR_UNSUPPORTED);
  gemmakit_session_free(ts);
  gemmakit_model_free(text);
  gemmakit_session_free(s);
  gemmakit_audio_free(clip);
  gemmakit_model_free(model);
}

}  // namespace
}  // namespace gemmakit
