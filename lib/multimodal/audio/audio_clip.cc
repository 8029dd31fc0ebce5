// AudioClip from files, bytes and PCM: libsndfile decodes (its virtual I/O reads bytes in memory
// as a file), channels are averaged, libsoxr resamples to 16 kHz.
#include "gemmakit/audio.h"

#include <sndfile.h>
#include <soxr.h>

#include <cmath>
#include <cstring>
#include <memory>

#include "gemmakit/status.h"
#include "io/mapped_file.h"

namespace gemmakit {
namespace {

constexpr int32_t kMinRate = 1000, kMaxRate = 384000;

// Interleaved float frames → mono, resampled; checks what every source must satisfy.
AudioClip FromInterleaved(std::vector<float> pcm, size_t frames, int32_t rate, int32_t channels, const std::string& what) {
  if (frames == 0) Fail(Status::kInvalidArgument, what + " holds no samples");
  std::vector<float> mono(frames);
  for (size_t f = 0; f < frames; ++f) {
    double sum = 0;
    for (int32_t c = 0; c < channels; ++c) sum += pcm[f * static_cast<size_t>(channels) + static_cast<size_t>(c)];
    mono[f] = static_cast<float>(sum / channels);
    if (!std::isfinite(mono[f])) {
      Fail(Status::kInvalidArgument, what + ": sample " + std::to_string(f) + " is not a finite number");
    }
  }
  AudioClip clip;
  if (rate == AudioClip::kSampleRate) {
    clip.samples = std::move(mono);
    return clip;
  }
  const double ratio = static_cast<double>(AudioClip::kSampleRate) / rate;
  clip.samples.resize(static_cast<size_t>(std::ceil(static_cast<double>(frames) * ratio)));
  size_t written = 0;
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  const soxr_error_t err = soxr_oneshot(rate, AudioClip::kSampleRate, 1, mono.data(), frames, nullptr,
                                        clip.samples.data(), clip.samples.size(), &written, nullptr, &quality, nullptr);
  if (err) Fail(Status::kInternal, what + ": resampling failed: " + std::string(err));
  clip.samples.resize(written);
  if (clip.samples.empty()) Fail(Status::kInvalidArgument, what + " is too short to resample");
  return clip;
}

void CheckPcm(const void* pcm, size_t frames, int32_t rate, int32_t channels) {
  if (pcm == nullptr) Fail(Status::kInvalidArgument, "PCM buffer is NULL");
  if (frames == 0) Fail(Status::kInvalidArgument, "PCM buffer holds no frames");
  if (rate < kMinRate || rate > kMaxRate) {
    Fail(Status::kInvalidArgument, "sample rate " + std::to_string(rate) + " Hz is outside [1000, 384000]");
  }
  if (channels < 1 || channels > AudioClip::kMaxChannels) {
    Fail(Status::kInvalidArgument, "channel count " + std::to_string(channels) + " is outside [1, 16]");
  }
  if (static_cast<int64_t>(frames) > AudioClip::kMaxInputFrames) Fail(Status::kInvalidArgument, "PCM buffer is too long");
}

// Bytes in memory as a libsndfile virtual file.
struct MemoryFile {
  const uint8_t* data;
  sf_count_t size, pos = 0;
};
sf_count_t VLength(void* user) { return static_cast<MemoryFile*>(user)->size; }
sf_count_t VSeek(sf_count_t offset, int whence, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : m->size;
  const sf_count_t to = base + offset;
  if (to < 0 || to > m->size) return -1;
  return m->pos = to;
}
sf_count_t VRead(void* dst, sf_count_t count, void* user) {
  auto* m = static_cast<MemoryFile*>(user);
  const sf_count_t n = count < m->size - m->pos ? count : m->size - m->pos;
  if (n <= 0) return 0;
  std::memcpy(dst, m->data + m->pos, static_cast<size_t>(n));
  m->pos += n;
  return n;
}
sf_count_t VWrite(const void*, sf_count_t, void*) { return 0; }
sf_count_t VTell(void* user) { return static_cast<MemoryFile*>(user)->pos; }

uint32_t Le32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24; }

// libsndfile reads a WAV whose data chunk promises more bytes than the file holds as a shorter
// clip (it only logs the mismatch); a cut-off download should be an error instead.
void CheckWavComplete(const uint8_t* bytes, size_t size, const std::string& name) {
  if (size < 12 || std::memcmp(bytes, "RIFF", 4) != 0 || std::memcmp(bytes + 8, "WAVE", 4) != 0) return;
  for (size_t at = 12; at + 8 <= size;) {
    const uint64_t chunk = Le32(bytes + at + 4);
    if (std::memcmp(bytes + at, "data", 4) == 0) {
      if (at + 8 + chunk > size) {
        Fail(Status::kFormatError, name + " is truncated: its data chunk holds " + std::to_string(size - at - 8) +
                                       " of " + std::to_string(chunk) + " bytes");
      }
      return;
    }
    at += 8 + chunk + (chunk & 1);  // chunks are padded to an even size
  }
}

AudioClip DecodeWithName(const uint8_t* bytes, size_t size, const std::string& name) {
  if (size == 0) Fail(Status::kFormatError, name + " is empty");
  CheckWavComplete(bytes, size, name);
  MemoryFile file{bytes, static_cast<sf_count_t>(size)};
  SF_VIRTUAL_IO io{VLength, VSeek, VRead, VWrite, VTell};
  SF_INFO info{};
  std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> sf(sf_open_virtual(&io, SFM_READ, &info, &file), sf_close);
  if (!sf) Fail(Status::kFormatError, name + " is not an audio file libsndfile reads: " + sf_strerror(nullptr));
  if (info.channels < 1 || info.channels > AudioClip::kMaxChannels) {
    Fail(Status::kUnsupported, name + ": " + std::to_string(info.channels) + " channels (at most 16 are read)");
  }
  if (info.samplerate < kMinRate || info.samplerate > kMaxRate) {
    Fail(Status::kUnsupported, name + ": sample rate " + std::to_string(info.samplerate) + " Hz is outside [1000, 384000]");
  }
  if (info.frames <= 0) Fail(Status::kFormatError, name + " holds no audio frames");
  if (info.frames > AudioClip::kMaxInputFrames) Fail(Status::kInvalidArgument, name + " is longer than the one-hour limit");
  // A lying header may promise more frames than the bytes hold: read what is there, then check.
  std::vector<float> pcm(static_cast<size_t>(info.frames) * static_cast<size_t>(info.channels));
  const sf_count_t got = sf_readf_float(sf.get(), pcm.data(), info.frames);
  if (got != info.frames) {
    Fail(Status::kFormatError, name + " is truncated: " + std::to_string(got) + " of " + std::to_string(info.frames) +
                                   " frames could be read");
  }
  return FromInterleaved(std::move(pcm), static_cast<size_t>(got), info.samplerate, info.channels, name);
}

}  // namespace

AudioClip AudioClip::Load(const std::string& path) {
  if (path.empty()) Fail(Status::kInvalidArgument, "no audio path given");
  if (!FileExists(path) || IsDirectory(path)) Fail(Status::kIoError, "audio file does not exist: " + path);
  auto file = MappedFile::Open(path);
  return DecodeWithName(static_cast<const uint8_t*>(file->data()), file->size(), path);
}

AudioClip AudioClip::Decode(const void* bytes, size_t size) {
  if (bytes == nullptr && size > 0) Fail(Status::kInvalidArgument, "audio bytes are NULL");
  return DecodeWithName(static_cast<const uint8_t*>(bytes), size, "audio data");
}

AudioClip AudioClip::FromPcm(const float* pcm, size_t frames, int32_t sample_rate, int32_t channels) {
  CheckPcm(pcm, frames, sample_rate, channels);
  return FromInterleaved(std::vector<float>(pcm, pcm + frames * static_cast<size_t>(channels)), frames, sample_rate,
                         channels, "PCM buffer");
}

AudioClip AudioClip::FromPcm(const int16_t* pcm, size_t frames, int32_t sample_rate, int32_t channels) {
  CheckPcm(pcm, frames, sample_rate, channels);
  std::vector<float> f(frames * static_cast<size_t>(channels));
  // 1/32768: the scale libsndfile and soundfile use for 16-bit PCM.
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<float>(pcm[i]) / 32768.f;
  return FromInterleaved(std::move(f), frames, sample_rate, channels, "PCM buffer");
}

}  // namespace gemmakit
