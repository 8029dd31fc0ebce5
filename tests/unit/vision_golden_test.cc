// Gemma 3 vision against HuggingFace transformers (tests/data/gemma3-vision-tiny, float32 from the
// stored weights): pixel values after preprocessing, soft tokens after the projector, the logits
// of every position with one and with two images, greedy continuations, and the chat path that
// turns image parts into the same ids.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmakit/generation_stepper.h"
#include "gemmakit/image.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "io/hf_checkpoint.h"
#include "io/safetensors_writer.h"
#include "kernels/bf16_gemm.h"
#include "kernels/matmul.h"
#include "runtime/model_impl.h"
#include "test_util.h"

namespace gemmakit {
namespace {

using nlohmann::json;

const std::string kDir = "gemma3-vision-tiny";
// Fast precision measured 2.3e-3 (soft tokens) and 0.068 (logits, text model in bf16 too) on this
// golden; about 4x that, so a kernel that loses more than bf16's rounding fails.
constexpr float kFastSoftTokenTolerance = 1e-2f;
constexpr float kFastLogitTolerance = 0.3f;

std::shared_ptr<const Model> TinyModel() {
  static std::shared_ptr<const Model> model = Model::Load(test::DataPath(kDir));
  return model;
}

struct Case {
  std::vector<int32_t> ids, greedy;
  std::vector<std::string> images;
  std::vector<float> pixels, soft, logits;
};

Case LoadCase(const std::string& name) {
  test::GoldenCase g = test::LoadGoldenCase(kDir, name);
  Case out;
  out.ids = std::move(g.ids);
  out.greedy = std::move(g.greedy);
  out.images = std::move(g.images);
  out.logits = std::move(g.logits);
  out.pixels = test::ReadF32File(test::DataPath(kDir + "/" + g.fields.at("pixel_values_file").get<std::string>()));
  out.soft = test::ReadF32File(test::DataPath(kDir + "/" + g.fields.at("soft_tokens_file").get<std::string>()));
  return out;
}

std::vector<RgbImage> LoadImages(const Case& c) {
  std::vector<RgbImage> out;
  for (const std::string& f : c.images) out.push_back(RgbImage::Load(test::DataPath(kDir + "/" + f)));
  return out;
}

float MaxAbsDiff(const float* a, const float* b, size_t n) {
  float m = 0.f;
  for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

TEST(VisionGolden, PixelValuesMatchTheProcessor) {
  const Case c = LoadCase("two_images");
  const VisionModel& v = *TinyModel()->impl().vision;
  const std::vector<RgbImage> images = LoadImages(c);
  const size_t plane = 3 * 112 * 112;
  ASSERT_EQ(c.pixels.size(), 2 * plane);
  const std::vector<float> square = v.Pixels(images[0]);
  ASSERT_EQ(square.size(), plane);
  // 112x112 needs no resizing: exactly equal.
  EXPECT_EQ(MaxAbsDiff(square.data(), c.pixels.data(), plane), 0.f);
  // 200x150 is shrunk with PIL's antialiased bilinear filter: within one 8-bit step (2/255 after
  // normalisation).
  const std::vector<float> resized = v.Pixels(images[1]);
  const float diff = MaxAbsDiff(resized.data(), c.pixels.data() + plane, plane);
  EXPECT_LE(diff, 2.f / 255.f + 1e-6f);
  RecordProperty("resized_max_abs_diff", std::to_string(diff));
}

void ExpectSoftTokens(bool reference) {
  SetReferenceMatMul(reference);
  const Case c = LoadCase("two_images");
  const VisionModel& v = *TinyModel()->impl().vision;
  const size_t plane = 3 * 112 * 112, per_image = 4 * 64;
  ASSERT_EQ(c.soft.size(), 2 * per_image);
  for (size_t img = 0; img < 2; ++img) {
    const std::vector<float> soft = v.SoftTokens(c.pixels.data() + img * plane, nullptr);
    ASSERT_EQ(soft.size(), per_image);
    EXPECT_LE(MaxAbsDiff(soft.data(), c.soft.data() + img * per_image, per_image), 1e-4f) << "image " << img;
  }
  SetReferenceMatMul(false);
}

TEST(VisionGolden, SoftTokensFromGoldenPixels) { ExpectSoftTokens(false); }
TEST(VisionGolden, SoftTokensFromGoldenPixelsReferenceKernels) { ExpectSoftTokens(true); }

void ExpectLogitsAndGreedy(const std::string& name, int64_t batch_size, int n_threads) {
  const Case c = LoadCase(name);
  SessionOptions so;
  so.batch_size = batch_size;
  so.n_threads = n_threads;
  Session s(TinyModel(), so);
  s.Evaluate(c.ids, LoadImages(c), /*all_logits=*/true);
  const size_t vocab = static_cast<size_t>(TinyModel()->info().vocab_size);
  ASSERT_EQ(s.logits_rows(), c.ids.size());
  ASSERT_EQ(c.logits.size(), c.ids.size() * vocab);
  float worst = 0.f;
  for (size_t r = 0; r < c.ids.size(); ++r) worst = std::max(worst, MaxAbsDiff(s.logits(r), &c.logits[r * vocab], vocab));
  EXPECT_LE(worst, 1e-3f) << name;
  SamplingParams greedy;
  greedy.temperature = 0.f;
  std::vector<int32_t> got;
  for (size_t i = 0; i < c.greedy.size(); ++i) {
    got.push_back(s.Sample(greedy));
    s.Evaluate({got.back()});
  }
  EXPECT_EQ(got, c.greedy) << name;
}

// Precision::kFast: the tower's projections and attention with bf16 products (the golden's
// weights are bf16, so its linears take the bf16 GEMM too). Bounded drift, same greedy answer.
TEST(VisionGolden, FastPrecisionStaysNearTheGolden) {
  if (!HasFastBF16Gemm()) GTEST_SKIP() << "no AVX512_BF16: fast precision is the exact path here";
  LoadOptions lo;
  lo.precision = Precision::kFast;
  const std::shared_ptr<const Model> model = Model::Load(test::DataPath(kDir), lo);
  const Case c = LoadCase("two_images");
  const size_t plane = 3 * 112 * 112, per_image = 4 * 64;
  float soft_err = 0.f;
  for (size_t img = 0; img < 2; ++img) {
    const std::vector<float> soft = model->impl().vision->SoftTokens(c.pixels.data() + img * plane, nullptr);
    soft_err = std::max(soft_err, MaxAbsDiff(soft.data(), c.soft.data() + img * per_image, per_image));
  }
  EXPECT_GT(soft_err, 1e-6f) << "bf16 rounding should show";
  EXPECT_LE(soft_err, kFastSoftTokenTolerance);
  Session s(model, SessionOptions{});
  s.Evaluate(c.ids, LoadImages(c), /*all_logits=*/true);
  const size_t vocab = static_cast<size_t>(model->info().vocab_size);
  float worst = 0.f;
  for (size_t r = 0; r < c.ids.size(); ++r) worst = std::max(worst, MaxAbsDiff(s.logits(r), &c.logits[r * vocab], vocab));
  EXPECT_LE(worst, kFastLogitTolerance);
  RecordProperty("fast_soft_token_max_abs_diff", std::to_string(soft_err));
  RecordProperty("fast_logit_max_abs_diff", std::to_string(worst));
  std::printf("fast precision: soft tokens max |diff| %.3g, logits max |diff| %.3g\n", soft_err, worst);
  SamplingParams greedy;
  greedy.temperature = 0.f;
  std::vector<int32_t> got;
  for (size_t i = 0; i < c.greedy.size(); ++i) {
    got.push_back(s.Sample(greedy));
    s.Evaluate({got.back()});
  }
  EXPECT_EQ(got, c.greedy);
}

TEST(VisionGolden, OneImageLogitsAndGreedy) { ExpectLogitsAndGreedy("one_image", 256, 1); }
TEST(VisionGolden, TwoImagesLogitsAndGreedy) { ExpectLogitsAndGreedy("two_images", 256, 1); }
// Small chunks on two threads: an image never straddles two forward passes.
TEST(VisionGolden, TwoImagesInSmallChunks) { ExpectLogitsAndGreedy("two_images", 6, 2); }

// The golden prompts are the chat template's rendering of a user turn with image parts and a text
// part; Chat must produce the same ids.
TEST(VisionGolden, ChatImagePartsGiveTheProcessorsIds) {
  for (const char* name : {"one_image", "two_images"}) {
    const Case c = LoadCase(name);
    const Tokenizer& tok = TinyModel()->tokenizer();
    const int32_t eoi = TinyModel()->impl().vision->config().end_of_image;
    // The text part: after the last "<end_of_image>\n\n", up to <end_of_turn>.
    const size_t last_eoi = static_cast<size_t>(std::find(c.ids.rbegin(), c.ids.rend(), eoi) - c.ids.rbegin());
    const size_t text_begin = c.ids.size() - last_eoi + 2;
    const size_t text_end = static_cast<size_t>(std::find(c.ids.begin() + static_cast<std::ptrdiff_t>(text_begin), c.ids.end(),
                                                          tok.special().end_of_turn) - c.ids.begin());
    const std::string text = tok.Decode(std::vector<int32_t>(c.ids.begin() + static_cast<std::ptrdiff_t>(text_begin),
                                                             c.ids.begin() + static_cast<std::ptrdiff_t>(text_end)));
    std::vector<ChatPart> parts;
    for (RgbImage& img : LoadImages(c)) parts.push_back(ChatPart::Image(std::make_shared<RgbImage>(std::move(img))));
    parts.push_back(ChatPart::Text(text));
    Session s(TinyModel());
    GenerateOptions o;
    o.max_tokens = 0;
    s.Chat({ChatMessage("user", parts)}, o);
    EXPECT_EQ(s.tokens(), c.ids) << name;
  }
}

// A follow-up turn reuses the image already in the KV cache: only the new turn is evaluated, and
// the logits equal a fresh session's over the whole conversation.
TEST(VisionGolden, FollowUpTurnReusesTheImage) {
  const Case c = LoadCase("one_image");
  auto image = std::make_shared<RgbImage>(LoadImages(c)[0]);
  std::vector<ChatMessage> conv = {ChatMessage("user", std::vector<ChatPart>{ChatPart::Image(image), ChatPart::Text("what is it")})};
  GenerateOptions o;
  o.max_tokens = 3;
  o.sampling.temperature = 0.f;
  Session s(TinyModel());
  const GenerateResult first = s.Chat(conv, o);
  conv.push_back(ChatMessage("model", first.text));
  conv.push_back(ChatMessage("user", "and the colour?"));
  const GenerateResult second = s.Chat(conv, o);
  const int64_t image_tokens = TinyModel()->info().image_tokens;
  EXPECT_LT(second.n_prompt_tokens, static_cast<int64_t>(s.tokens().size()) - image_tokens);
  Session fresh(TinyModel());
  const GenerateResult again = fresh.Chat(conv, o);
  EXPECT_EQ(again.tokens, second.tokens);
  // A different image in the same place is not taken for the cached one.
  auto other = std::make_shared<RgbImage>(RgbImage::Load(test::DataPath(kDir + "/resize.png")));
  conv[0].parts[0] = ChatPart::Image(other);
  const GenerateResult third = s.Chat(conv, o);
  EXPECT_GT(third.n_prompt_tokens, image_tokens);
}

// Pull generation drives the same state machine: a chat with an image, stepped one token at a
// time after prompt pieces of a tiny time budget (which must never split the image), gives the
// tokens a fresh session's Chat gives, and a follow-up turn stepped the same way reuses the image.
TEST(VisionGolden, SteppedChatWithAnImageEqualsChat) {
  const Case c = LoadCase("one_image");
  auto image = std::make_shared<RgbImage>(LoadImages(c)[0]);
  std::vector<ChatMessage> conv = {ChatMessage("user", std::vector<ChatPart>{ChatPart::Image(image), ChatPart::Text("what is it")})};
  GenerateOptions o;
  o.max_tokens = 4;
  o.sampling.temperature = 0.f;
  Session pushed(TinyModel()), pulled(TinyModel());
  const GenerateResult want = pushed.Chat(conv, o);
  auto g = GenerationStepper::BeginChat(pulled, conv, o);
  int steps = 0;
  while (!g->Step(1, 1e-6).finished) ++steps;
  EXPECT_GT(steps, 4) << "the prompt took several pieces";
  EXPECT_EQ(g->result().tokens, want.tokens);
  EXPECT_EQ(pulled.tokens(), pushed.tokens());
  conv.push_back(ChatMessage("model", want.text));
  conv.push_back(ChatMessage("user", "and the colour?"));
  const GenerateResult second = pushed.Chat(conv, o);
  auto h = GenerationStepper::BeginChat(pulled, conv, o);
  const GenerateResult& pulled_second = h->RunToEnd();
  EXPECT_EQ(pulled_second.tokens, second.tokens);
  EXPECT_EQ(pulled_second.n_prompt_tokens, second.n_prompt_tokens);
  EXPECT_LT(second.n_prompt_tokens, static_cast<int64_t>(pulled.tokens().size()) - TinyModel()->info().image_tokens)
      << "the image was reused";
  // An abandoned generation takes its unevaluated image with it: the session holds text only.
  Session abandoned(TinyModel());
  GenerationStepper::BeginChat(abandoned, {conv[0]}, o).reset();
  EXPECT_EQ(abandoned.SaveState().size(), Session(TinyModel()).SaveState().size());
}

// A session holding an image saves and restores (format version 2 carries the image spans): the
// restored one continues with the same tokens, its follow-up turn reuses the image like the
// original's, and a blob whose image span is damaged is refused, leaving the session as it was.
TEST(VisionGolden, SavedSessionKeepsItsImage) {
  const Case c = LoadCase("one_image");
  auto image = std::make_shared<RgbImage>(LoadImages(c)[0]);
  std::vector<ChatMessage> conv = {ChatMessage("user", std::vector<ChatPart>{ChatPart::Image(image), ChatPart::Text("what is it")})};
  GenerateOptions o;
  o.max_tokens = 3;
  o.sampling.temperature = 0.f;
  Session s(TinyModel());
  const GenerateResult first = s.Chat(conv, o);
  const std::vector<uint8_t> blob = s.SaveState();
  const size_t hidden = static_cast<size_t>(TinyModel()->impl().config.hidden);
  const int64_t image_tokens = TinyModel()->info().image_tokens;
  EXPECT_GT(blob.size(), static_cast<size_t>(image_tokens) * hidden * sizeof(float)) << "the soft tokens are saved";

  Session restored(TinyModel());
  restored.LoadState(blob.data(), blob.size());
  EXPECT_EQ(restored.tokens(), s.tokens());
  conv.push_back(ChatMessage("model", first.text));
  conv.push_back(ChatMessage("user", "and the colour?"));
  const GenerateResult want = s.Chat(conv, o);
  const GenerateResult got = restored.Chat(conv, o);
  EXPECT_EQ(got.tokens, want.tokens);
  EXPECT_EQ(got.n_prompt_tokens, want.n_prompt_tokens) << "the restored session re-encoded the image";
  EXPECT_LT(got.n_prompt_tokens, static_cast<int64_t>(restored.tokens().size()) - image_tokens);

  // The image span sits right after the KV rows; its begin is the first field: make it start
  // before 0 and re-seal the checksum, so only the span check can refuse it.
  std::vector<uint8_t> bad = blob;
  // begin, end, key, flags, soft tokens
  const size_t span_bytes = 3 * sizeof(int64_t) + sizeof(uint32_t) + static_cast<size_t>(image_tokens) * hidden * sizeof(float);
  const size_t begin_at = bad.size() - span_bytes;
  const int64_t negative = -5;
  std::memcpy(&bad[begin_at], &negative, sizeof negative);
  test::ResealSessionBlob(bad);
  Session target(TinyModel());
  target.Evaluate({2, 5, 6});
  try {
    target.LoadState(bad.data(), bad.size());
    ADD_FAILURE() << "a damaged image span loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kFormatError);
    EXPECT_NE(std::string(e.what()).find("media item 0"), std::string::npos) << e.what();
  }
  EXPECT_EQ(target.n_past(), 3);
}

// Newer transformers save Gemma3ForConditionalGeneration under model.language_model.*,
// model.vision_tower.vision_model.* and model.multi_modal_projector.*: the same weights renamed
// so must give the same logits.
TEST(VisionGolden, NewerTransformersLayout) {
  const std::string dir = test::MakeTempDir("vision_new_layout");
  for (const char* f : {"config.json", "preprocessor_config.json", "tokenizer.model"}) {
    test::WriteFile(dir + "/" + f, test::ReadFile(test::DataPath(kDir + "/" + f)));
  }
  const HfCheckpoint hf = OpenHfCheckpoint(test::DataPath(kDir));
  std::vector<SafetensorsSpec> specs;
  for (const auto& [name, e] : hf.tensors.all()) {
    std::string renamed = name;
    for (const auto& [from, to] : {std::pair<std::string, std::string>{"language_model.model.", "model.language_model."},
                                   {"vision_tower.", "model.vision_tower."},
                                   {"multi_modal_projector.", "model.multi_modal_projector."}}) {
      if (name.compare(0, from.size(), from) == 0) renamed = to + name.substr(from.size());
    }
    ASSERT_NE(renamed, name) << name;
    const TensorEntry* entry = &e;
    specs.push_back({renamed, e.dtype, e.shape, [entry](uint8_t* out, size_t n) {
                       std::copy_n(static_cast<const uint8_t*>(entry->data), n, out);
                     }});
  }
  WriteSafetensors(dir + "/model.safetensors", specs);
  const Case c = LoadCase("two_images");
  Session s(Model::Load(dir));
  s.Evaluate(c.ids, LoadImages(c), /*all_logits=*/true);
  const size_t vocab = static_cast<size_t>(s.model().info().vocab_size);
  float worst = 0.f;
  for (size_t r = 0; r < c.ids.size(); ++r) worst = std::max(worst, MaxAbsDiff(s.logits(r), &c.logits[r * vocab], vocab));
  EXPECT_LE(worst, 1e-3f);
}

}  // namespace
}  // namespace gemmakit
