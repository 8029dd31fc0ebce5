// Audio in: WAV files and PCM buffers become 16 kHz mono clips (libsndfile, libsoxr), and the
// log-mel front end equals HuggingFace's Gemma3nAudioFeatureExtractor on a real speech clip
// (tests/data/gemma3n-audio-tiny: speech.wav and the extractor's speech.mel.f32).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gemmakit/audio.h"
#include "gemmakit/status.h"
#include "io/audio_feature_config.h"
#include "multimodal/audio/log_mel.h"
#include "test_util.h"

namespace gemmakit {
namespace {

const std::string kDir = "gemma3n-audio-tiny";

void Put(std::string& s, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// A RIFF/WAVE file: PCM of 16, 24 or 32 bits (format 1) or float32 (format 3), interleaved.
std::string MakeWav(int format, int bits, int channels, int rate, const std::vector<float>& interleaved) {
  std::string data;
  for (float x : interleaved) {
    if (format == 3) {
      uint32_t u;
      std::memcpy(&u, &x, 4);
      Put(data, u, 4);
    } else {
      const double scale = std::ldexp(1.0, bits - 1);
      const double q = std::max(-scale, std::min(scale - 1, std::round(x * scale)));
      Put(data, static_cast<uint32_t>(static_cast<int32_t>(q)), bits / 8);
    }
  }
  std::string w = "RIFF";
  Put(w, static_cast<uint32_t>(36 + data.size()), 4);
  w += "WAVEfmt ";
  Put(w, 16, 4);
  Put(w, static_cast<uint32_t>(format), 2);
  Put(w, static_cast<uint32_t>(channels), 2);
  Put(w, static_cast<uint32_t>(rate), 4);
  Put(w, static_cast<uint32_t>(rate * channels * bits / 8), 4);
  Put(w, static_cast<uint32_t>(channels * bits / 8), 2);
  Put(w, static_cast<uint32_t>(bits), 2);
  w += "data";
  Put(w, static_cast<uint32_t>(data.size()), 4);
  return w + data;
}

std::vector<float> Sine(double hz, int rate, size_t n, double amplitude = 0.5) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<float>(amplitude * std::sin(2 * M_PI * hz * static_cast<double>(i) / rate));
  return v;
}

TEST(AudioClipTest, SpeechWavReadsAsSixteenBitPcmScaledToOne) {
  const std::string bytes = test::ReadFile(test::DataPath(kDir + "/speech.wav"));
  const AudioClip clip = AudioClip::Load(test::DataPath(kDir + "/speech.wav"));
  ASSERT_EQ(clip.samples.size(), 57527u);  // 16 kHz mono, as the golden's extractor read it
  // The data chunk's int16 samples over 32768, in order.
  const size_t data = bytes.find("data") + 8;
  for (size_t i = 0; i < clip.samples.size(); i += 997) {
    int16_t s;
    std::memcpy(&s, bytes.data() + data + 2 * i, 2);
    EXPECT_EQ(clip.samples[i], static_cast<float>(s) / 32768.f) << i;
  }
  const AudioClip same = AudioClip::Decode(bytes.data(), bytes.size());
  EXPECT_EQ(same.samples, clip.samples);
}

TEST(AudioClipTest, EveryPcmEncodingAndStereoAndOtherRates) {
  const std::vector<float> tone = Sine(440, 16000, 1600);
  for (const auto& [format, bits, tolerance] : std::vector<std::tuple<int, int, float>>{
           {1, 16, 1.f / 32768}, {1, 24, 1e-6f}, {1, 32, 1e-6f}, {3, 32, 0.f}}) {
    const std::string wav = MakeWav(format, bits, 1, 16000, tone);
    const AudioClip clip = AudioClip::Decode(wav.data(), wav.size());
    ASSERT_EQ(clip.samples.size(), tone.size()) << bits;
    for (size_t i = 0; i < tone.size(); ++i) ASSERT_NEAR(clip.samples[i], tone[i], tolerance) << bits << " bits at " << i;
  }
  // Stereo is averaged: left = tone, right = silence gives half the tone.
  std::vector<float> stereo;
  for (float x : tone) stereo.insert(stereo.end(), {x, 0.f});
  const std::string wav = MakeWav(3, 32, 2, 16000, stereo);
  const AudioClip mixed = AudioClip::Decode(wav.data(), wav.size());
  ASSERT_EQ(mixed.samples.size(), tone.size());
  for (size_t i = 0; i < tone.size(); ++i) ASSERT_FLOAT_EQ(mixed.samples[i], tone[i] / 2);
  // 44.1 kHz resampled to 16 kHz: the length scales and the tone stays a 440 Hz tone.
  const std::vector<float> cd = Sine(440, 44100, 44100);
  const AudioClip resampled = AudioClip::FromPcm(cd.data(), cd.size(), 44100);
  EXPECT_NEAR(static_cast<double>(resampled.samples.size()), 16000.0, 2.0);
  const std::vector<float> want = Sine(440, 16000, resampled.samples.size());
  double worst = 0;
  for (size_t i = 1000; i + 1000 < want.size(); ++i) worst = std::max(worst, std::fabs(double{resampled.samples[i]} - want[i]));
  EXPECT_LT(worst, 5e-3) << "the resampler keeps the tone (and its phase)";
  // int16 PCM is scaled like libsndfile's.
  const std::vector<int16_t> pcm16 = {0, 16384, -32768, 32767};
  const AudioClip from16 = AudioClip::FromPcm(pcm16.data(), 4, 16000);
  EXPECT_EQ(from16.samples, (std::vector<float>{0.f, 0.5f, -1.f, 32767.f / 32768.f}));
}

TEST(AudioClipTest, BadInputGetsClearErrors) {
  const std::string wav = MakeWav(1, 16, 1, 16000, Sine(440, 16000, 1600));
  EXPECT_EQ(test::StatusOf([&] { AudioClip::Decode(wav.data(), wav.size() / 2); }), Status::kFormatError) << "truncated";
  const std::string text = "this is not a sound file at all, only some words of text";
  EXPECT_EQ(test::StatusOf([&] { AudioClip::Decode(text.data(), text.size()); }), Status::kFormatError);
  EXPECT_EQ(test::StatusOf([&] { AudioClip::Decode(wav.data(), 0); }), Status::kFormatError);
  EXPECT_EQ(test::StatusOf([&] { AudioClip::Decode(nullptr, 10); }), Status::kInvalidArgument);
  EXPECT_EQ(test::StatusOf([] { AudioClip::Load("/nonexistent/clip.wav"); }), Status::kIoError);
  std::vector<float> nan_pcm(100, 0.f);
  nan_pcm[50] = NAN;
  EXPECT_EQ(test::StatusOf([&] { AudioClip::FromPcm(nan_pcm.data(), nan_pcm.size(), 16000); }), Status::kInvalidArgument);
  const std::string nan_wav = MakeWav(3, 32, 1, 16000, nan_pcm);
  EXPECT_EQ(test::StatusOf([&] { AudioClip::Decode(nan_wav.data(), nan_wav.size()); }), Status::kInvalidArgument);
  const float one = 0.f;
  EXPECT_EQ(test::StatusOf([&] { AudioClip::FromPcm(&one, 0, 16000); }), Status::kInvalidArgument);
  EXPECT_EQ(test::StatusOf([&] { AudioClip::FromPcm(&one, 1, 12); }), Status::kInvalidArgument);
  EXPECT_EQ(test::StatusOf([&] { AudioClip::FromPcm(&one, 1, 16000, 0); }), Status::kInvalidArgument);
  EXPECT_EQ(test::StatusOf([&] { AudioClip::FromPcm(static_cast<const float*>(nullptr), 1, 16000); }),
            Status::kInvalidArgument);
}

TEST(AudioFeatureConfigTest, ReadsTheExtractorsSettingsAndRefusesWhatItCannotReproduce) {
  const AudioFeatureConfig c = ParseAudioFeatureConfig(test::ReadFile(test::DataPath(kDir + "/preprocessor_config.json")));
  EXPECT_EQ(c.feature_size, 128);
  EXPECT_DOUBLE_EQ(c.min_frequency, 125.0);
  EXPECT_DOUBLE_EQ(c.max_frequency, 7600.0);
  EXPECT_TRUE(c.fft_overdrive);
  const AudioFeatureConfig defaults = ParseAudioFeatureConfig("{}");
  EXPECT_EQ(defaults.feature_size, 128);
  EXPECT_DOUBLE_EQ(defaults.preemphasis, 0.97);
  EXPECT_EQ(test::StatusOf([] { ParseAudioFeatureConfig(R"({"dither": 0.0001})"); }), Status::kUnsupported);
  EXPECT_EQ(test::StatusOf([] { ParseAudioFeatureConfig(R"({"sampling_rate": 8000})"); }), Status::kUnsupported);
  EXPECT_EQ(test::StatusOf([] { ParseAudioFeatureConfig(R"({"feature_size": "many"})"); }), Status::kFormatError);
  EXPECT_EQ(test::StatusOf([] { ParseAudioFeatureConfig(R"({"per_bin_mean": [1, 2]})"); }), Status::kFormatError);
  EXPECT_EQ(test::StatusOf([] { ParseAudioFeatureConfig(R"({"max_frequency": 9000})"); }), Status::kFormatError);
  EXPECT_EQ(test::StatusOf([] { ParseAudioFeatureConfig("[1]"); }), Status::kFormatError);
}

TEST(LogMelTest, SpeechFeaturesEqualTheExtractors) {
  const nlohmann::json golden = nlohmann::json::parse(test::ReadFile(test::DataPath(kDir + "/golden.json")));
  const nlohmann::json& c = golden["cases"][0];
  ASSERT_EQ(c["name"], "audio_question");
  const size_t frames = c["mel_shape"][0], bins = c["mel_shape"][1];
  const std::string mel = test::ReadFile(test::DataPath(kDir + "/" + c["mel_file"].get<std::string>()));
  ASSERT_EQ(mel.size(), frames * bins * sizeof(float));
  std::vector<float> want(frames * bins);
  std::memcpy(want.data(), mel.data(), mel.size());

  const LogMelExtractor extractor(ParseAudioFeatureConfig(test::ReadFile(test::DataPath(kDir + "/preprocessor_config.json"))));
  EXPECT_EQ(extractor.fft_length(), 1024u);
  const AudioClip clip = AudioClip::Load(test::DataPath(kDir + "/speech.wav"));
  const LogMelFeatures got = extractor.Compute(clip.samples.data(), clip.samples.size());
  ASSERT_EQ(got.frames, frames);
  ASSERT_EQ(got.bins, bins);
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::fabs(double{got.values[i]} - want[i]));
  EXPECT_LT(worst, 1e-3);
  for (size_t t = 0; t < frames; ++t) EXPECT_EQ(got.valid[t] != 0, c["mel_valid"][t].get<bool>()) << t;
  // Silence is the floor everywhere; a clip shorter than a frame is refused.
  const std::vector<float> silence(16000, 0.f);
  const LogMelFeatures quiet = extractor.Compute(silence.data(), silence.size());
  for (float v : quiet.values) ASSERT_FLOAT_EQ(v, std::log(1e-5f));
  EXPECT_EQ(test::StatusOf([&] { extractor.Compute(silence.data(), 100); }), Status::kInvalidArgument);
}

}  // namespace
}  // namespace gemmakit
