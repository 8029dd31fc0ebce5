// Gemma 3n's audio tower and embedder against HuggingFace (tests/data/gemma3n-audio-tiny): the
// golden log-mel features of speech.wav, encoded, embedded and padded to the clip's 32 soft
// tokens, equal Gemma3nModel's audio features (speech.soft.f32), and so does the whole path from
// the WAV file; broken inputs and checkpoints are refused with clear errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gemmakit/audio.h"
#include "gemmakit/status.h"
#include "io/checkpoint.h"
#include "multimodal/audio/audio_encoder.h"
#include "multimodal/audio/log_mel.h"
#include "runtime/thread_pool.h"
#include "test_util.h"

namespace gemmakit {
namespace {

const std::string kDir = "gemma3n-audio-tiny";

struct Golden {
  LogMelFeatures mel;
  std::vector<float> soft;  // [rows, cols]
  size_t rows = 0, cols = 0;
};

Golden LoadGolden() {
  const nlohmann::json golden = nlohmann::json::parse(test::ReadFile(test::DataPath(kDir + "/golden.json")));
  const nlohmann::json& c = golden["cases"][0];
  EXPECT_EQ(c["name"], "audio_question");
  Golden g;
  g.mel.frames = c["mel_shape"][0];
  g.mel.bins = c["mel_shape"][1];
  g.mel.values = test::ReadF32File(test::DataPath(kDir + "/" + c["mel_file"].get<std::string>()));
  for (const auto& v : c["mel_valid"]) g.mel.valid.push_back(v.get<bool>() ? 1 : 0);
  g.rows = c["soft_tokens_shape"][0];
  g.cols = c["soft_tokens_shape"][1];
  g.soft = test::ReadF32File(test::DataPath(kDir + "/" + c["soft_tokens_file"].get<std::string>()));
  EXPECT_EQ(g.mel.values.size(), g.mel.frames * g.mel.bins);
  EXPECT_EQ(g.soft.size(), g.rows * g.cols);
  return g;
}

const Checkpoint& TinyCheckpoint() {
  static const Checkpoint ck = OpenCheckpoint(test::DataPath(kDir));
  return ck;
}

double MaxDiff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) worst = std::max(worst, std::fabs(double{a[i]} - b[i]));
  return worst;
}

TEST(AudioEncoderTest, ConfigIsTheCheckpointsAndDefaultsAreE2Bs) {
  const auto enc = AudioEncoder::Load(TinyCheckpoint());
  const AudioConfig& c = enc->config();
  EXPECT_EQ(c.hidden, 64);
  EXPECT_EQ(c.n_heads, 4);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.context, 12 + 12);
  EXPECT_EQ(c.proj_in, 4 * 32);
  EXPECT_EQ(c.padding_row, 127);  // text vocab 897 - 1 - offset 769
  EXPECT_EQ(c.audio_token, 770);
  EXPECT_EQ(c.end_of_audio, 769);
  EXPECT_EQ(c.start_of_audio, 640);
  EXPECT_EQ(enc->tokens_per_clip(), 32u);
  EXPECT_EQ(c.TokensForFrames(357), 23u);
  EXPECT_EQ(enc->max_frames(), 32u * 16);

  // Gemma3nAudioConfig's defaults: 30 s of audio (2997 frames of the extractor) is 188 tokens.
  const AudioConfig e2b = ResolveAudioConfig(AudioHParams{});
  EXPECT_EQ(e2b.hidden, 1536);
  EXPECT_EQ(e2b.n_layers, 12);
  EXPECT_EQ(e2b.head_dim, 192);
  EXPECT_EQ(e2b.proj_in, 32 * 32);
  EXPECT_EQ(e2b.padding_row, 127);
  EXPECT_EQ(e2b.TokensForFrames(2997), 188u);
  EXPECT_EQ(e2b.max_frames, 3008);
  EXPECT_EQ(e2b.TokensForFrames(3008), 188u);
  EXPECT_EQ(e2b.TokensForFrames(3009), 189u);
  AudioHParams huge;
  huge.audio_soft_tokens_per_image = huge.conf_reduction_factor = int64_t{1} << 24;
  EXPECT_EQ(test::StatusOf([&] { ResolveAudioConfig(huge); }), Status::kFormatError);

  AudioHParams odd;
  odd.conf_num_attention_heads = 7;
  EXPECT_EQ(test::StatusOf([&] { ResolveAudioConfig(odd); }), Status::kFormatError);
  AudioHParams three;
  three.sscp_conv_channel_size = {8, 8, 8};
  EXPECT_EQ(test::StatusOf([&] { ResolveAudioConfig(three); }), Status::kUnsupported);
  AudioHParams vocab;
  vocab.text_vocab_size = 1000;  // the padding id would fall below the audio vocabulary
  EXPECT_EQ(test::StatusOf([&] { ResolveAudioConfig(vocab); }), Status::kFormatError);
}

TEST(AudioEncoderTest, GoldenMelGivesHuggingFacesSoftTokens) {
  const Golden g = LoadGolden();
  const auto enc = AudioEncoder::Load(TinyCheckpoint());
  ASSERT_EQ(g.rows, enc->tokens_per_clip());
  ASSERT_EQ(g.cols, static_cast<size_t>(enc->config().text_hidden));
  std::vector<std::string> stages;
  const AudioTap tap = [&](const char* name, int layer, const float*, size_t rows, size_t cols) {
    stages.push_back(std::string(name) + (layer >= 0 ? std::to_string(layer) : "") + " " + std::to_string(rows) + "x" +
                     std::to_string(cols));
  };
  const std::vector<float> got = enc->SoftTokens(g.mel, nullptr, &tap);
  const double worst = MaxDiff(got, g.soft);
  std::printf("audio soft tokens vs HuggingFace: max |diff| %.3g\n", worst);
  EXPECT_LT(worst, 1e-3);
  for (size_t r = 0; r < g.rows; ++r) {
    double row = 0;
    for (size_t j = 0; j < g.cols; ++j) row = std::max(row, std::fabs(double{got[r * g.cols + j]} - g.soft[r * g.cols + j]));
    EXPECT_LT(row, 1e-3) << "row " << r;
  }
  // 357 frames → 90 encoder steps → 23 tokens; the 9 after are the padding embedding.
  std::vector<std::string> want = {"subsample 90x64"};
  for (const char* layer : {"0", "1"}) {
    for (const char* stage : {"ffw_start", "attention", "lconv", "ffw_end", "conformer"}) {
      want.push_back(std::string(stage) + layer + " 90x64");
    }
  }
  want.push_back("reduced 23x64");
  want.push_back("embedded 23x64");
  EXPECT_EQ(stages, want);
  for (size_t r = 24; r < g.rows; ++r) {
    EXPECT_TRUE(std::equal(got.begin() + 23 * g.cols, got.begin() + 24 * g.cols, got.begin() + r * g.cols)) << r;
  }

  // Two threads give the same numbers.
  ThreadPool pool(2);
  EXPECT_LT(MaxDiff(enc->SoftTokens(g.mel, &pool), got), 1e-6);
}

TEST(AudioEncoderTest, InvalidFramesBecomePaddingTokens) {
  const Golden g = LoadGolden();
  const auto enc = AudioEncoder::Load(TinyCheckpoint());
  const std::vector<float> full = enc->SoftTokens(g.mel, nullptr);
  const size_t td = g.cols;
  const std::vector<float> pad(full.end() - static_cast<std::ptrdiff_t>(td), full.end());
  // Frames from 200 on marked invalid: token i (mel frame 16 i) is valid while 16 i < 200.
  LogMelFeatures cut = g.mel;
  std::fill(cut.valid.begin() + 200, cut.valid.end(), 0);
  const std::vector<float> got = enc->SoftTokens(cut, nullptr);
  for (size_t i = 0; i < 32; ++i) {
    const bool padded = i * 16 >= 200 || i >= 23;
    const std::vector<float> row(got.begin() + static_cast<std::ptrdiff_t>(i * td), got.begin() + static_cast<std::ptrdiff_t>((i + 1) * td));
    if (padded) {
      EXPECT_EQ(row, pad) << i;
    } else {
      EXPECT_LT(MaxDiff(row, std::vector<float>(full.begin() + static_cast<std::ptrdiff_t>(i * td),
                                                full.begin() + static_cast<std::ptrdiff_t>((i + 1) * td))),
                1e-6)
          << i;  // masking keys in the future of a causal window changes nothing before it
    }
  }
}

TEST(AudioEncoderTest, WavThroughLogMelGivesHuggingFacesSoftTokens) {
  const Golden g = LoadGolden();
  const auto enc = AudioEncoder::Load(TinyCheckpoint());
  const LogMelExtractor extractor(enc->features());
  const AudioClip clip = AudioClip::Load(test::DataPath(kDir + "/speech.wav"));
  const LogMelFeatures mel = extractor.Compute(clip.samples.data(), clip.samples.size());
  const double worst = MaxDiff(enc->SoftTokens(mel, nullptr), g.soft);
  std::printf("audio soft tokens from speech.wav vs HuggingFace: max |diff| %.3g\n", worst);
  EXPECT_LT(worst, 1e-3);
}

TEST(AudioEncoderTest, BadFeaturesAreRefused) {
  const Golden g = LoadGolden();
  const auto enc = AudioEncoder::Load(TinyCheckpoint());
  LogMelFeatures bins;
  bins.frames = 100;
  bins.bins = 80;
  bins.values.assign(100 * 80, 0.f);
  bins.valid.assign(100, 1);
  EXPECT_EQ(test::StatusOf([&] { enc->SoftTokens(bins, nullptr); }), Status::kInvalidArgument);
  LogMelFeatures silent = g.mel;
  std::fill(silent.valid.begin(), silent.valid.end(), 0);
  try {
    enc->SoftTokens(silent, nullptr);
    ADD_FAILURE() << "no valid frame was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("no valid frame"), std::string::npos) << e.what();
  }
  LogMelFeatures mismatched = g.mel;
  mismatched.valid.pop_back();
  EXPECT_EQ(test::StatusOf([&] { enc->SoftTokens(mismatched, nullptr); }), Status::kInvalidArgument);
  LogMelFeatures empty;
  empty.bins = 128;
  EXPECT_EQ(test::StatusOf([&] { enc->SoftTokens(empty, nullptr); }), Status::kInvalidArgument);
  LogMelFeatures too_long;
  too_long.bins = 128;
  too_long.frames = enc->max_frames() + 1;
  too_long.values.assign(too_long.frames * 128, 0.f);
  too_long.valid.assign(too_long.frames, 1);
  EXPECT_EQ(test::StatusOf([&] { enc->SoftTokens(too_long, nullptr); }), Status::kInvalidArgument);
}

TEST(AudioEncoderTest, BrokenCheckpointsAreRefused) {
  const Checkpoint& ck = TinyCheckpoint();
  ASSERT_TRUE(ck.audio.has_value());
  const std::string missing = "audio.conformer.1.attention.attn.per_dim_scale";
  AudioCheckpoint cut = *ck.audio;
  auto index = std::make_shared<TensorIndex>();
  for (const auto& [name, e] : ck.audio->tensors->all()) {
    if (name != missing) index->Add(e);
  }
  cut.tensors = index;
  try {
    AudioEncoder::Create(cut);
    ADD_FAILURE() << "a checkpoint without " << missing << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.status(), Status::kFormatError);
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  // A tower wider than its tensors.
  AudioCheckpoint wide = *ck.audio;
  wide.hparams.hidden_size = 128;
  EXPECT_EQ(test::StatusOf([&] { AudioEncoder::Create(wide); }), Status::kFormatError);
  // A text-only model has no audio tower.
  const Checkpoint text = OpenCheckpoint(test::DataPath("gemma3-tiny"));
  EXPECT_FALSE(text.audio.has_value());
  EXPECT_EQ(test::StatusOf([&] { AudioEncoder::Load(text); }), Status::kUnsupported);
}

}  // namespace
}  // namespace gemmakit
