// Bad image input gives clear errors, never a crash: missing, empty, truncated and corrupt files,
// other formats, dimensions that would exhaust memory (refused from the header), bad pixel
// buffers, images for a text-only model, more images than the context holds, image places and
// images that disagree; and the C API's image functions.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "gemmakit.h"
#include "gemmakit/image.h"
#include "gemmakit/model.h"
#include "gemmakit/session.h"
#include "gemmakit/status.h"
#include "test_util.h"

namespace gemmakit {
namespace {

const std::string kDir = "gemma3-vision-tiny";
using test::StatusOf;

std::string SquarePng() { return test::ReadFile(test::DataPath(kDir + "/square.png")); }

uint32_t Crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void Be32(std::string& s, uint32_t v) {
  for (int sh = 24; sh >= 0; sh -= 8) s.push_back(static_cast<char>((v >> sh) & 0xff));
}

// A PNG whose header claims width x height and that holds no pixel data.
std::string PngHeaderOnly(uint32_t width, uint32_t height) {
  std::string s = "\x89PNG\r\n\x1a\n";
  std::string chunk = "IHDR";
  Be32(chunk, width);
  Be32(chunk, height);
  chunk += std::string("\x08\x02\x00\x00\x00", 5);
  Be32(s, 13);
  s += chunk;
  Be32(s, Crc32(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()));
  return s;
}

TEST(VisionInput, DecodesPng) {
  const RgbImage img = RgbImage::Load(test::DataPath(kDir + "/resize.png"));
  EXPECT_EQ(img.width, 200);
  EXPECT_EQ(img.height, 150);
  EXPECT_EQ(img.pixels.size(), 200u * 150u * 3u);
}

TEST(VisionInput, BadFiles) {
  EXPECT_EQ(StatusOf([] { RgbImage::Load(test::DataPath(kDir + "/missing.png")); }), Status::kIoError);
  EXPECT_EQ(StatusOf([] { RgbImage::Load(""); }), Status::kInvalidArgument);
  const std::string dir = test::MakeTempDir("vision_input");
  test::WriteFile(dir + "/empty.png", "");
  EXPECT_NE(StatusOf([&] { RgbImage::Load(dir + "/empty.png"); }), Status::kOk);
  EXPECT_EQ(StatusOf([] { RgbImage::Decode("", 0); }), Status::kFormatError);
  const std::string png = SquarePng();
  for (size_t cut : {size_t{8}, size_t{20}, size_t{100}, png.size() / 2, png.size() - 13}) {
    EXPECT_EQ(StatusOf([&] { RgbImage::Decode(png.data(), cut); }), Status::kFormatError) << "cut at " << cut;
  }
  std::string corrupt = png;
  for (size_t i = 60; i < corrupt.size() - 20; i += 7) corrupt[i] = static_cast<char>(corrupt[i] ^ 0x5a);
  EXPECT_EQ(StatusOf([&] { RgbImage::Decode(corrupt.data(), corrupt.size()); }), Status::kFormatError);
  const std::string jpeg_start = "\xff\xd8\xff\xe0 not really a jpeg";
  EXPECT_EQ(StatusOf([&] { RgbImage::Decode(jpeg_start.data(), jpeg_start.size()); }), Status::kFormatError);
  for (const std::string& other : {std::string("GIF89a\x01\x00\x01\x00"), std::string("BM\x36\x00\x00\x00"), std::string("hello")}) {
    EXPECT_EQ(StatusOf([&] { RgbImage::Decode(other.data(), other.size()); }), Status::kUnsupported);
  }
  EXPECT_EQ(StatusOf([] { RgbImage::Decode(nullptr, 10); }), Status::kInvalidArgument);
}

// Headers that claim huge images are refused before anything is allocated for the pixels.
TEST(VisionInput, HugeDimensionsAreRefusedFromTheHeader) {
  for (auto [w, h] : {std::pair<uint32_t, uint32_t>{10000, 10000}, {40000, 2}, {60000, 60000}, {0x7fffffff, 0x7fffffff}}) {
    const std::string png = PngHeaderOnly(w, h);
    EXPECT_EQ(StatusOf([&] { RgbImage::Decode(png.data(), png.size()); }), Status::kInvalidArgument) << w << "x" << h;
  }
  const std::string zero = PngHeaderOnly(0, 10);
  EXPECT_NE(StatusOf([&] { RgbImage::Decode(zero.data(), zero.size()); }), Status::kOk);
}

TEST(VisionInput, PixelBuffers) {
  // RGBA with padded rows: alpha is dropped, padding skipped.
  const int w = 3, h = 2;
  const size_t stride = 16;
  std::vector<uint8_t> rgba(stride * h, 0xee);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 4; ++c) rgba[y * stride + x * 4 + c] = static_cast<uint8_t>(10 * y + 3 * x + c);
    }
  }
  const RgbImage img = RgbImage::FromPixels(rgba.data(), w, h, stride, 4);
  ASSERT_EQ(img.pixels.size(), size_t{w * h * 3});
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) EXPECT_EQ(img.pixels[(y * w + x) * 3 + c], 10 * y + 3 * x + c);
    }
  }
  EXPECT_EQ(StatusOf([&] { RgbImage::FromPixels(nullptr, w, h, stride, 4); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { RgbImage::FromPixels(rgba.data(), 0, h, stride, 4); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { RgbImage::FromPixels(rgba.data(), w, 0, stride, 4); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { RgbImage::FromPixels(rgba.data(), -3, h, stride, 4); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { RgbImage::FromPixels(rgba.data(), w, h, 11, 4); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { RgbImage::FromPixels(rgba.data(), w, h, stride, 2); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { RgbImage::FromPixels(rgba.data(), 40000, 40000, SIZE_MAX / 2, 4); }), Status::kInvalidArgument);
}

TEST(VisionInput, SessionRefusals) {
  const RgbImage img = RgbImage::Load(test::DataPath(kDir + "/square.png"));
  GenerateOptions o;
  o.max_tokens = 1;
  // A text-only model.
  {
    Session s(Model::Load(test::DataPath("gemma3-tiny")));
    EXPECT_EQ(StatusOf([&] { s.Generate("<start_of_image>hi", {img}, o); }), Status::kUnsupported);
    auto part = ChatPart::Image(std::make_shared<RgbImage>(img));
    EXPECT_EQ(StatusOf([&] { s.Chat({ChatMessage("user", std::vector<ChatPart>{part})}, o); }), Status::kUnsupported);
  }
  auto model = Model::Load(test::DataPath(kDir));
  const int32_t image_token = model->info().image_token_id;
  {
    // More images than the context holds: refused before encoding, the session unchanged.
    SessionOptions so;
    so.context_length = 12;
    Session s(model, so);
    EXPECT_EQ(StatusOf([&] { s.Generate("<start_of_image><start_of_image>", {img, img}, o); }), Status::kContextFull);
    EXPECT_EQ(s.n_past(), 0);
    s.Generate("<start_of_image>", {img}, o);  // 1 + 2 + 6 tokens fit
    EXPECT_GT(s.n_past(), 0);
  }
  Session s(model);
  EXPECT_EQ(StatusOf([&] { s.Generate("no place for it", {img}, o); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { s.Generate("<start_of_image><start_of_image>", {img}, o); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { s.Evaluate({2, image_token, image_token, image_token}, {img}); }), Status::kInvalidArgument);
  EXPECT_EQ(StatusOf([&] { s.Evaluate({2, image_token, image_token, image_token, image_token}, {img, img}); }),
            Status::kInvalidArgument);
  // The image token outside an image is not a token of the vocabulary.
  EXPECT_EQ(StatusOf([&] { s.Evaluate({2, image_token}); }), Status::kInvalidArgument);
  auto no_pixels = ChatPart::Image();
  EXPECT_EQ(StatusOf([&] { s.Chat({ChatMessage("user", std::vector<ChatPart>{no_pixels})}, o); }), Status::kInvalidArgument);
  EXPECT_EQ(s.n_past(), 0);
  // A batch smaller than one image's soft tokens cannot keep the image in one forward pass.
  SessionOptions tiny_batch;
  tiny_batch.batch_size = 3;
  Session small(model, tiny_batch);
  EXPECT_EQ(StatusOf([&] { small.Generate("<start_of_image>", {img}, o); }), Status::kInvalidArgument);
}

// A multimodal folder whose vision tower is a stub (tests/data/gemma3-tiny-scaled-mm: a config
// without sizes, one tensor) still runs text; images are refused, naming why.
TEST(VisionInput, StubVisionTowerRefusesImagesOnly) {
  auto model = Model::Load(test::DataPath("gemma3-tiny-scaled-mm"));
  EXPECT_EQ(model->info().image_tokens, 0);
  Session s(model);
  GenerateOptions o;
  o.max_tokens = 2;
  EXPECT_EQ(StatusOf([&] { s.Generate("hello", o); }), Status::kOk);
  const RgbImage img = RgbImage::Load(test::DataPath(kDir + "/square.png"));
  try {
    s.Generate("<start_of_image>", {img}, o);
    ADD_FAILURE() << "images accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kFormatError);
    EXPECT_NE(std::string(e.what()).find("vision tower did not load"), std::string::npos) << e.what();
  }
}

TEST(VisionInput, CApi) {
  gemmakit_image* img = nullptr;
  EXPECT_EQ(gemmakit_image_load(nullptr, &img), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_image_load(test::DataPath(kDir + "/nope.png").c_str(), &img), GEMMAKIT_ERR_IO);
  EXPECT_EQ(img, nullptr);
  EXPECT_EQ(gemmakit_image_decode("GIF89a", 6, &img), GEMMAKIT_ERR_UNSUPPORTED);
  EXPECT_NE(std::strlen(gemmakit_last_error()), 0u);
  EXPECT_EQ(gemmakit_image_from_pixels(nullptr, 2, 2, 6, 3, &img), GEMMAKIT_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(gemmakit_image_load(test::DataPath(kDir + "/square.png").c_str(), &img), GEMMAKIT_OK);
  int32_t w = 0, h = 0;
  ASSERT_EQ(gemmakit_image_size(img, &w, &h), GEMMAKIT_OK);
  EXPECT_EQ(w, 112);
  EXPECT_EQ(h, 112);
  const std::vector<uint8_t> gray(8 * 8 * 3, 128);
  gemmakit_image* flat = nullptr;
  ASSERT_EQ(gemmakit_image_from_pixels(gray.data(), 8, 8, 24, 3, &flat), GEMMAKIT_OK);

  gemmakit_model* text_model = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath("gemma3-tiny").c_str(), nullptr, &text_model), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_model_image_info(text_model, nullptr, nullptr, nullptr), GEMMAKIT_ERR_UNSUPPORTED);
  gemmakit_model_free(text_model);

  gemmakit_model* model = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kDir).c_str(), nullptr, &model), GEMMAKIT_OK);
  int32_t image_token = 0, per_image = 0, side = 0;
  ASSERT_EQ(gemmakit_model_image_info(model, &image_token, &per_image, &side), GEMMAKIT_OK);
  EXPECT_EQ(image_token, 640);
  EXPECT_EQ(per_image, 4);
  EXPECT_EQ(side, 112);
  gemmakit_session* s = nullptr;
  ASSERT_EQ(gemmakit_session_create(model, nullptr, &s), GEMMAKIT_OK);
  const gemmakit_image* both[] = {img, flat};
  const int32_t ids[] = {2, 6, 640, 640, 640, 640, 7, 6, 640, 640, 640, 640, 7, 18};
  EXPECT_EQ(gemmakit_session_eval_images(s, ids, 14, both, 1, GEMMAKIT_LOGITS_ALL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  const gemmakit_image* with_null[] = {img, nullptr};
  EXPECT_EQ(gemmakit_session_eval_images(s, ids, 14, with_null, 2, GEMMAKIT_LOGITS_ALL), GEMMAKIT_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(gemmakit_session_eval_images(s, ids, 14, both, 2, GEMMAKIT_LOGITS_ALL), GEMMAKIT_OK);
  const float* logits = nullptr;
  size_t rows = 0, vocab = 0;
  ASSERT_EQ(gemmakit_session_logits(s, &logits, &rows, &vocab), GEMMAKIT_OK);
  EXPECT_EQ(rows, 14u);

  gemmakit_generate_params gp;
  gemmakit_generate_params_init(&gp, sizeof gp);
  gp.max_tokens = 2;
  gemmakit_generation g;
  g.struct_size = sizeof g;
  const gemmakit_chat_part parts[] = {{GEMMAKIT_PART_IMAGE, nullptr, img}, {GEMMAKIT_PART_TEXT, "what is this", nullptr}};
  const gemmakit_chat_turn turn = {"user", parts, 2};
  ASSERT_EQ(gemmakit_session_reset(s), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_chat_parts(s, &turn, 1, &gp, &g), GEMMAKIT_OK) << gemmakit_last_error();
  const gemmakit_chat_part bad_parts[] = {{7, nullptr, nullptr}};
  const gemmakit_chat_turn bad = {"user", bad_parts, 1};
  EXPECT_EQ(gemmakit_session_chat_parts(s, &bad, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  const gemmakit_chat_part null_image[] = {{GEMMAKIT_PART_IMAGE, nullptr, nullptr}};
  const gemmakit_chat_turn bad2 = {"user", null_image, 1};
  EXPECT_EQ(gemmakit_session_chat_parts(s, &bad2, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(gemmakit_session_reset(s), GEMMAKIT_OK);
  EXPECT_EQ(gemmakit_session_generate_images(s, "<start_of_image>look", both, 1, &gp, &g), GEMMAKIT_OK) << gemmakit_last_error();
  EXPECT_EQ(gemmakit_session_generate_images(s, "look", both, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);

  gemmakit_session_free(s);
  gemmakit_model_free(model);
  gemmakit_image_free(img);
  gemmakit_image_free(flat);
  gemmakit_image_free(nullptr);
}

// Content turns (size-tagged parts): push and pull give the same tokens with an image, and the pull
// steps run with a tiny budget; an older caller's shorter part struct (without the image field)
// still reads its text parts; mismatched or unset sizes and newer fields set are refused.
TEST(VisionCApi, ContentTurnsPushAndPullWithImages) {
  gemmakit_model* model = nullptr;
  ASSERT_EQ(gemmakit_model_load(test::DataPath(kDir).c_str(), nullptr, &model), GEMMAKIT_OK);
  gemmakit_image* img = nullptr;
  ASSERT_EQ(gemmakit_image_load(test::DataPath(kDir + "/resize.png").c_str(), &img), GEMMAKIT_OK);
  gemmakit_session *pushed = nullptr, *pulled = nullptr;
  ASSERT_EQ(gemmakit_session_create(model, nullptr, &pushed), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_create(model, nullptr, &pulled), GEMMAKIT_OK);
  gemmakit_generate_params gp;
  gemmakit_generate_params_init(&gp, sizeof gp);
  gp.max_tokens = 4;
  gemmakit_sampling_params greedy;
  gemmakit_sampling_params_init(&greedy, sizeof greedy);
  greedy.temperature = 0.f;
  gp.sampling = &greedy;
  gemmakit_content_part parts[2] = {};
  parts[0] = {sizeof(gemmakit_content_part), GEMMAKIT_PART_IMAGE, nullptr, img, nullptr};
  parts[1] = {sizeof(gemmakit_content_part), GEMMAKIT_PART_TEXT, "what is this", nullptr, nullptr};
  const gemmakit_content_turn turn = {sizeof(gemmakit_content_turn), "user", parts, 2};
  gemmakit_generation g;
  g.struct_size = sizeof g;
  ASSERT_EQ(gemmakit_session_chat_content(pushed, &turn, 1, &gp, &g), GEMMAKIT_OK) << gemmakit_last_error();
  const std::string want(g.text, g.text_len);
  ASSERT_EQ(gemmakit_session_begin_chat_content(pulled, &turn, 1, &gp), GEMMAKIT_OK) << gemmakit_last_error();
  gemmakit_chunk chunk;
  chunk.struct_size = sizeof chunk;
  std::string got;
  int steps = 0;
  do {
    ASSERT_EQ(gemmakit_session_step(pulled, 1, 1e-6, &chunk), GEMMAKIT_OK) << gemmakit_last_error();
    got.append(chunk.text, chunk.text_len);
    ++steps;
  } while (!chunk.finished);
  EXPECT_EQ(got, want);
  EXPECT_GT(steps, 4);
  int64_t n_pushed = 0, n_pulled = 0;
  ASSERT_EQ(gemmakit_session_n_past(pushed, &n_pushed), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_session_n_past(pulled, &n_pulled), GEMMAKIT_OK);
  EXPECT_EQ(n_pushed, n_pulled);

  // An older caller: parts of 16 bytes (struct_size, type, text), no image field.
  struct OldPart {
    uint32_t struct_size;
    int32_t type;
    const char* text;
  };
  const OldPart old_parts[] = {{sizeof(OldPart), GEMMAKIT_PART_TEXT, "hello"}};
  const gemmakit_content_turn old_turn = {sizeof(gemmakit_content_turn), "user",
                                          reinterpret_cast<const gemmakit_content_part*>(old_parts), 1};
  EXPECT_EQ(gemmakit_session_chat_content(pushed, &old_turn, 1, &gp, &g), GEMMAKIT_OK) << gemmakit_last_error();
  gemmakit_content_part mixed[2] = {parts[0], parts[1]};
  mixed[1].struct_size = 16;
  const gemmakit_content_turn mixed_turn = {sizeof(gemmakit_content_turn), "user", mixed, 2};
  EXPECT_EQ(gemmakit_session_chat_content(pushed, &mixed_turn, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_content_part unset = parts[1];
  unset.struct_size = 0;
  const gemmakit_content_turn unset_turn = {sizeof(gemmakit_content_turn), "user", &unset, 1};
  EXPECT_EQ(gemmakit_session_chat_content(pushed, &unset_turn, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  struct NewerPart {
    gemmakit_content_part part;
    const void* future;
  } newer = {parts[1], &gp};
  newer.part.struct_size = sizeof newer;
  const gemmakit_content_turn newer_turn = {sizeof(gemmakit_content_turn), "user", &newer.part, 1};
  EXPECT_EQ(gemmakit_session_chat_content(pushed, &newer_turn, 1, &gp, &g), GEMMAKIT_ERR_UNSUPPORTED);
  newer.future = nullptr;
  EXPECT_EQ(gemmakit_session_chat_content(pushed, &newer_turn, 1, &gp, &g), GEMMAKIT_OK) << gemmakit_last_error();
  EXPECT_EQ(gemmakit_session_chat_content(pushed, nullptr, 1, &gp, &g), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_session_begin_chat_content(pushed, &turn, 0, &gp), GEMMAKIT_ERR_INVALID_ARGUMENT);

  gemmakit_session_free(pushed);
  gemmakit_session_free(pulled);
  gemmakit_model_free(model);
  gemmakit_image_free(img);
}

// Audio handles: a WAV file decodes to its 16 kHz samples, PCM buffers are copied (and resampled),
// bad input fails with the library's message.
TEST(AudioCApi, ClipsFromFilesBytesAndPcm) {
  const std::string path = test::DataPath("gemma3n-audio-tiny/speech.wav");
  gemmakit_audio* clip = nullptr;
  ASSERT_EQ(gemmakit_audio_load(path.c_str(), &clip), GEMMAKIT_OK) << gemmakit_last_error();
  const float* samples = nullptr;
  size_t n = 0;
  ASSERT_EQ(gemmakit_audio_samples(clip, &samples, &n), GEMMAKIT_OK);
  EXPECT_EQ(n, 57527u);
  const std::string bytes = test::ReadFile(path);
  gemmakit_audio* decoded = nullptr;
  ASSERT_EQ(gemmakit_audio_decode(bytes.data(), bytes.size(), &decoded), GEMMAKIT_OK);
  const float* again = nullptr;
  ASSERT_EQ(gemmakit_audio_samples(decoded, &again, nullptr), GEMMAKIT_OK);
  EXPECT_EQ(std::memcmp(samples, again, n * sizeof(float)), 0);
  std::vector<int16_t> pcm(44100, 1000);
  gemmakit_audio* resampled = nullptr;
  ASSERT_EQ(gemmakit_audio_from_pcm_i16(pcm.data(), pcm.size(), 44100, 1, &resampled), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_audio_samples(resampled, nullptr, &n), GEMMAKIT_OK);
  EXPECT_NEAR(static_cast<double>(n), 16000.0, 2.0);
  const std::vector<float> stereo = {0.5f, -0.5f, 0.25f, 0.25f};
  gemmakit_audio* mixed = nullptr;
  ASSERT_EQ(gemmakit_audio_from_pcm_f32(stereo.data(), 2, 16000, 2, &mixed), GEMMAKIT_OK);
  ASSERT_EQ(gemmakit_audio_samples(mixed, &samples, &n), GEMMAKIT_OK);
  ASSERT_EQ(n, 2u);
  EXPECT_FLOAT_EQ(samples[0], 0.f);
  EXPECT_FLOAT_EQ(samples[1], 0.25f);
  gemmakit_audio* bad = reinterpret_cast<gemmakit_audio*>(&n);
  EXPECT_EQ(gemmakit_audio_decode(bytes.data(), bytes.size() / 2, &bad), GEMMAKIT_ERR_FORMAT);
  EXPECT_EQ(bad, nullptr);
  EXPECT_NE(std::string(gemmakit_last_error()).find("truncated"), std::string::npos);
  EXPECT_EQ(gemmakit_audio_load("/no/such.wav", &bad), GEMMAKIT_ERR_IO);
  EXPECT_EQ(gemmakit_audio_load(nullptr, &bad), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_audio_from_pcm_f32(stereo.data(), 2, 16000, 0, &bad), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_audio_samples(nullptr, &samples, &n), GEMMAKIT_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(gemmakit_audio_load(path.c_str(), nullptr), GEMMAKIT_ERR_INVALID_ARGUMENT);
  gemmakit_audio_free(clip);
  gemmakit_audio_free(decoded);
  gemmakit_audio_free(resampled);
  gemmakit_audio_free(mixed);
  gemmakit_audio_free(nullptr);
}

}  // namespace
}  // namespace gemmakit
