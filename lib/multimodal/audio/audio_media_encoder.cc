#include "multimodal/audio/audio_media_encoder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "gemmakit/status.h"

namespace gemmakit {
namespace {

class AudioMediaEncoder final : public MediaEncoder {
 public:
  explicit AudioMediaEncoder(const AudioEncoder& a) : a_(a), mel_(a.features()), window_(AudioWindowSamples(a)) {}

  MediaKind kind() const override { return MediaKind::kAudio; }
  std::string_view marker() const override { return "<start_of_audio>"; }
  int32_t placeholder_id() const override { return a_.config().audio_token; }
  size_t tokens_per_item() const override { return a_.tokens_per_clip(); }
  bool bidirectional() const override { return false; }

  void Write(const Media& item, MediaPromptWriter& out) const override {
    const AudioClip& clip = Clip(item);
    const size_t n = clip.samples.size();
    // The extractor's frames are frame_length + 1 samples (one more for the pre-emphasis).
    const size_t min_samples = mel_.frame_length() + 1;
    if (n < min_samples) {
      Fail(Status::kInvalidArgument, "an audio clip of " + std::to_string(n) + " samples is shorter than one frame (" +
                                         std::to_string(min_samples) + " samples, 32 ms)");
    }
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(clip.samples[i])) {
        Fail(Status::kInvalidArgument, "audio sample " + std::to_string(i) + " is NaN or infinite");
      }
    }
    ContentHasher whole(0);
    whole.Add(clip.samples.data(), n * sizeof(float));
    for (size_t begin = 0, w = 0; begin < n; begin += window_, ++w) {
      AudioClip part;
      const size_t end = std::min(n, begin + window_);
      if (begin == 0 && end == n) {
        Sequence(item, whole.key(), out);
        return;
      }
      // A tail shorter than a frame is padded with silence to one frame.
      part.samples.assign(clip.samples.begin() + static_cast<std::ptrdiff_t>(begin),
                          clip.samples.begin() + static_cast<std::ptrdiff_t>(end));
      if (part.samples.size() < min_samples) part.samples.resize(min_samples, 0.f);
      ContentHasher h(whole.key() + w);
      h.Add(part.samples.data(), part.samples.size() * sizeof(float));
      Sequence(Media::Audio(std::move(part)), h.key(), out);
    }
  }

  std::vector<float> SoftTokens(const Media& item, Executor* ex) const override {
    const AudioClip& clip = Clip(item);
    if (clip.samples.size() > window_) {
      Fail(Status::kInvalidArgument, "an audio clip of " + std::to_string(clip.seconds()) +
                                         " s is longer than one window; Write splits it");
    }
    const LogMelFeatures mel = mel_.Compute(clip.samples.data(), clip.samples.size());
    return a_.SoftTokens(mel, ex);
  }

 private:
  static const AudioClip& Clip(const Media& item) {
    if (!item.audio) Fail(Status::kInvalidArgument, "an audio part carries no audio clip");
    return *item.audio;
  }

  void Sequence(Media part, uint64_t key, MediaPromptWriter& out) const {
    out.Text("\n\n");
    out.Id(a_.config().start_of_audio);
    out.SoftTokens(std::move(part), key);
    out.Id(a_.config().end_of_audio);
    out.Text("\n\n");
  }

  const AudioEncoder& a_;
  LogMelExtractor mel_;
  size_t window_;
};

}  // namespace

size_t AudioWindowSamples(const AudioEncoder& audio) {
  const LogMelExtractor mel(audio.features());
  // The extractor pads to a multiple of pad_to_multiple_of and makes a frame every hop while a
  // whole frame fits; the window is the longest padded length whose frames the encoder holds.
  const size_t pad = static_cast<size_t>(std::max<int64_t>(1, audio.features().pad_to_multiple_of));
  const size_t fits = (audio.max_frames() - 1) * mel.hop_length() + mel.frame_length() + 1;
  const size_t limit = static_cast<size_t>(std::max<int64_t>(audio.features().max_length, 1));
  return std::min(fits / pad * pad, limit);
}

std::unique_ptr<MediaEncoder> MakeAudioMediaEncoder(const AudioEncoder& audio) {
  return std::make_unique<AudioMediaEncoder>(audio);
}

}  // namespace gemmakit
